// The augmentation pool of Glitter (Kamalloo et al., Findings of ACL 2022): K candidates per
// training example, generated once before training. Two generators, as the official code's
// aug/eda.py and aug/mlm.py (back-translation needs a translation model and is left out):
// - EDA (Wei & Zou 2019) on words: random swap and random deletion. Synonym replacement and
//   insertion need a thesaurus (WordNet), which the app does not ship, so they are left out [I].
// - Masked-LM replacement: 15% of the tokens masked, each replaced by a draw from the top-10 of a
//   masked LM's prediction (the code uses bert-large; we use an MLM pre-trained on the task text).
// Words are WordPiece runs (a '##' piece continues the previous word); only segment 0 (sentence
// a) is rewritten, so pair tasks keep their second sentence.
import * as tf from '@tensorflow/tfjs';
import type { EncodedSplit } from '../data/batcher';
import { bertForward, type BertConfig, type EmbeddingGrad, type Params } from '../model';
import { makeRng, type Rng } from '../util/rng';
import { mlmLogits } from './mlm';

/** Candidate pool: row i·K + k is candidate k of example i (same label). */
export interface AugmentPool {
  K: number;
  split: EncodedSplit;
  /** 0 where the candidate is unusable (identical to its original, or filtered out). */
  valid: Uint8Array;
}

/** Special ids the augmenters must leave alone. */
export interface AugmentIds {
  cls: number;
  sep: number;
  pad: number;
  mask: number;
}

/** Word spans [start, end) of segment 0 of a row, between [CLS] and the first [SEP]. */
export function wordSpans(
  ids: Int32Array,
  isContinuation: (id: number) => boolean,
  special: AugmentIds,
): [number, number][] {
  const spans: [number, number][] = [];
  for (let i = 1; i < ids.length; i++) {
    const id = ids[i]!;
    if (id === special.sep || id === special.pad) break;
    if (spans.length > 0 && isContinuation(id)) spans[spans.length - 1]![1] = i + 1;
    else spans.push([i, i + 1]);
  }
  return spans;
}

/**
 * EDA on one row's segment 0: `swaps` random word swaps, then each word deleted with probability
 * `pDelete` (at least one word stays). Returns the new token ids (length ≤ the original's).
 */
export function edaRow(
  ids: Int32Array,
  isContinuation: (id: number) => boolean,
  special: AugmentIds,
  rng: Rng,
  swaps: number,
  pDelete: number,
): Int32Array {
  const spans = wordSpans(ids, isContinuation, special);
  const words = spans.map(([s, e]) => Array.from(ids.subarray(s, e)));
  for (let n = 0; n < swaps && words.length > 1; n++) {
    const a = rng.int(words.length);
    const b = rng.int(words.length);
    [words[a], words[b]] = [words[b]!, words[a]!];
  }
  const kept = words.filter(() => rng.next() >= pDelete);
  const body = kept.length > 0 ? kept : words.length > 0 ? [words[rng.int(words.length)]!] : [];
  const end = spans.length > 0 ? spans[spans.length - 1]![1] : 1;
  const rest = Array.from(ids.subarray(end)).filter((id) => id !== special.pad);
  return Int32Array.from([ids[0]!, ...body.flat(), ...rest]);
}

/** Copies a row into a split slot (padding after), recording its length. */
function putRow(
  out: EncodedSplit,
  row: number,
  ids: Int32Array,
  typeIds: Int32Array,
  pad: number,
): void {
  const L = out.maxLen;
  const n = Math.min(ids.length, L);
  out.ids.fill(pad, row * L, row * L + L);
  out.ids.set(ids.subarray(0, n), row * L);
  out.typeIds.fill(0, row * L, row * L + L);
  out.typeIds.set(typeIds.subarray(0, n), row * L);
  out.lengths[row] = n;
}

/**
 * The token types of a rewritten row: 0 up to and including the first [SEP], then the original's
 * types for the rest (segment b keeps its type 1).
 */
function typesFor(
  ids: Int32Array,
  origIds: Int32Array,
  origTypes: Int32Array,
  sep: number,
): Int32Array {
  const t = new Int32Array(ids.length);
  const firstSep = ids.indexOf(sep);
  const origSep = origIds.indexOf(sep);
  if (firstSep < 0) return t;
  for (let i = firstSep + 1; i < ids.length; i++) t[i] = origTypes[origSep + (i - firstSep)] ?? 0;
  return t;
}

/**
 * MLM replacement for a batch of rows: masks each segment-0 token with probability `p` (at least
 * one per row), predicts with `gen`, and replaces each masked token by a draw from its top-`topK`
 * (renormalised). Returns the rewritten rows. One readback for the batch.
 */
export async function mlmRewrite(
  rows: Int32Array[],
  gen: { params: Params; config: BertConfig; embeddingGrad: EmbeddingGrad },
  special: AugmentIds,
  rng: Rng,
  p: number,
  topK: number,
): Promise<Int32Array[]> {
  const T = Math.max(...rows.map((r) => r.length));
  const B = rows.length;
  const ids = new Int32Array(B * T).fill(special.pad);
  const mask = new Float32Array(B * T);
  const positions: number[] = [];
  rows.forEach((r, b) => {
    ids.set(r, b * T);
    mask.fill(1, b * T, b * T + r.length);
    const firstSep = r.indexOf(special.sep);
    const cand: number[] = [];
    for (let i = 1; i < (firstSep < 0 ? r.length : firstSep); i++) cand.push(b * T + i);
    const chosen = cand.filter(() => rng.next() < p);
    if (chosen.length === 0 && cand.length > 0) chosen.push(cand[rng.int(cand.length)]!);
    for (const pos of chosen) {
      positions.push(pos);
      ids[pos] = special.mask;
    }
  });
  if (positions.length === 0) return rows.map((r) => Int32Array.from(r));
  const V = gen.config.vocabSize;
  const probs = tf.tidy(() => {
    const out = bertForward(
      gen.params,
      gen.config,
      {
        ids: tf.tensor2d(ids, [B, T], 'int32'),
        typeIds: tf.zeros([B, T], 'int32') as tf.Tensor2D,
        mask: tf.tensor2d(mask, [B, T]),
      },
      { training: false, embeddingGrad: gen.embeddingGrad },
    );
    const h = tf.reshape(out.hidden[out.hidden.length - 1]!, [B * T, gen.config.hiddenSize]);
    const rowsAt = tf.gather(h as tf.Tensor2D, tf.tensor1d(positions, 'int32')); // eval only: no gradient
    return tf.softmax(mlmLogits(gen.params, gen.config, rowsAt as tf.Tensor2D));
  });
  const pv = await probs.data(); // one readback per pool batch (offline generation)
  probs.dispose();
  const result = rows.map((r) => Int32Array.from(r));
  positions.forEach((pos, j) => {
    const b = Math.floor(pos / T);
    const t = pos % T;
    const pj = pv.subarray(j * V, j * V + V);
    // Top-k ids (excluding specials), then a draw proportional to their probabilities.
    const order = Array.from({ length: V }, (_, v) => v)
      .filter(
        (v) => v !== special.mask && v !== special.cls && v !== special.sep && v !== special.pad,
      )
      .sort((x, y) => pj[y]! - pj[x]!)
      .slice(0, topK);
    const z = order.reduce((a, v) => a + pj[v]!, 0);
    let u = rng.next() * z;
    let pick = order[order.length - 1]!;
    for (const v of order) {
      u -= pj[v]!;
      if (u <= 0) {
        pick = v;
        break;
      }
    }
    result[b]![t] = pick;
  });
  return result;
}

/** Options of the pool. */
export interface PoolOptions {
  K: number;
  /** Which generator makes candidates: all EDA, all MLM, or alternating. */
  augment: 'eda' | 'mlm' | 'both';
  /** EDA: word swaps per candidate and per-word deletion probability (α = 0.1 in EDA). */
  edaSwaps: number;
  edaDelete: number;
  /** MLM: masking probability and top-k sampling (the code: 0.15 and 10). */
  mlmProb: number;
  mlmTopK: number;
  seed: number;
}

/**
 * Builds the pool for a split: K candidates per example (EDA, MLM, or alternating), candidates
 * identical to their original marked invalid (Glitter's duplicate filter).
 */
export async function buildPool(
  split: EncodedSplit,
  isContinuation: (id: number) => boolean,
  special: AugmentIds,
  opts: PoolOptions,
  gen: { params: Params; config: BertConfig; embeddingGrad: EmbeddingGrad } | null,
): Promise<AugmentPool> {
  const { K } = opts;
  const L = split.maxLen;
  const n = split.n;
  const out: EncodedSplit = {
    n: n * K,
    maxLen: L,
    ids: new Int32Array(n * K * L),
    typeIds: new Int32Array(n * K * L),
    lengths: new Int32Array(n * K),
    labels: new Float32Array(n * K),
    truncated: 0,
  };
  const valid = new Uint8Array(n * K);
  const rng = makeRng(opts.seed, 0x676c69);
  const rowOf = (i: number) => split.ids.subarray(i * L, i * L + split.lengths[i]!);
  const typesOf = (i: number) => split.typeIds.subarray(i * L, i * L + split.lengths[i]!);
  const useMlm = (k: number) => opts.augment === 'mlm' || (opts.augment === 'both' && k % 2 === 1);
  if (opts.augment !== 'eda' && !gen) throw new Error('MLM augmentation needs a masked LM');
  const pendingMlm: { slot: number; i: number }[] = [];
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < K; k++) {
      const slot = i * K + k;
      out.labels[slot] = split.labels[i]!;
      if (useMlm(k)) pendingMlm.push({ slot, i });
      else {
        const ids = edaRow(rowOf(i), isContinuation, special, rng, opts.edaSwaps, opts.edaDelete);
        putRow(out, slot, ids, typesFor(ids, rowOf(i), typesOf(i), special.sep), special.pad);
      }
    }
  }
  for (let start = 0; start < pendingMlm.length; start += 64) {
    const chunk = pendingMlm.slice(start, start + 64);
    const rewritten = await mlmRewrite(
      chunk.map((c) => rowOf(c.i)),
      gen!,
      special,
      rng,
      opts.mlmProb,
      opts.mlmTopK,
    );
    chunk.forEach((c, j) => putRow(out, c.slot, rewritten[j]!, typesOf(c.i), special.pad));
  }
  for (let i = 0; i < n; i++) {
    const orig = rowOf(i);
    for (let k = 0; k < K; k++) {
      const slot = i * K + k;
      const cand = out.ids.subarray(slot * L, slot * L + out.lengths[slot]!);
      const same = cand.length === orig.length && cand.every((v, t) => v === orig[t]);
      valid[slot] = same ? 0 : 1;
    }
  }
  return { K, split: out, valid };
}
