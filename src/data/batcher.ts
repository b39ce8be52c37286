// Turns examples into fixed-shape token batches: encode once, then cut batches whose sequence
// length is one of a few buckets. tfjs-webgpu's buffer pool never shrinks, so every new shape costs
// memory for the rest of the session; buckets bound the number of shapes.
import { permutation, type Rng } from '../util/rng';
import type { Example, TaskSpec } from './types';

/** What the batcher needs of a tokenizer (WordPieceTokenizer satisfies it). */
export interface PairEncoder {
  encode(
    a: string,
    b?: string,
    opts?: { maxLength?: number; pad?: boolean },
  ): { ids: number[]; typeIds: number[]; truncated: boolean };
  readonly specialIds: { pad: number };
}

/** A split encoded to flat arrays: row i is [i·maxLen, (i+1)·maxLen), padded with the pad id. */
export interface EncodedSplit {
  n: number;
  maxLen: number;
  ids: Int32Array;
  typeIds: Int32Array;
  /** Real tokens per row, [CLS] and [SEP] included. */
  lengths: Int32Array;
  /** Class index (classification) or target (regression). */
  labels: Float32Array;
  /** Rows that lost tokens to truncation. */
  truncated: number;
}

/** One batch, ready to become tensors: [B, T] row-major. */
export interface BatchArrays {
  B: number;
  T: number;
  ids: Int32Array;
  typeIds: Int32Array;
  /** 1 for real tokens, 0 for padding (rows past `valid` are all padding). */
  mask: Float32Array;
  labels: Float32Array;
  /** Rows that hold real examples (the rest pad an evaluation batch to full size). */
  valid: number;
  /** Split indices of the valid rows. */
  index: Int32Array;
}

/** Encodes every example of a split to at most `maxLen` tokens. */
export function encodeSplit(
  examples: readonly Example[],
  tokenizer: PairEncoder,
  spec: TaskSpec,
  maxLen: number,
): EncodedSplit {
  const n = examples.length;
  const ids = new Int32Array(n * maxLen).fill(tokenizer.specialIds.pad);
  const typeIds = new Int32Array(n * maxLen);
  const lengths = new Int32Array(n);
  const labels = new Float32Array(n);
  let truncated = 0;
  examples.forEach((ex, i) => {
    const enc = tokenizer.encode(ex.a, spec.pair ? (ex.b ?? '') : undefined, {
      maxLength: maxLen,
      pad: false,
    });
    ids.set(enc.ids, i * maxLen);
    typeIds.set(enc.typeIds, i * maxLen);
    lengths[i] = enc.ids.length;
    labels[i] = ex.label;
    if (enc.truncated) truncated++;
  });
  return { n, maxLen, ids, typeIds, lengths, labels, truncated };
}

/** Sequence-length buckets up to maxLen: powers of two from 16, then maxLen itself. */
export function lengthBuckets(maxLen: number): number[] {
  const out: number[] = [];
  for (let b = 16; b < maxLen; b *= 2) out.push(b);
  out.push(maxLen);
  return out;
}

/** The smallest bucket that holds `len` tokens. */
export function bucketFor(len: number, buckets: readonly number[]): number {
  for (const b of buckets) if (b >= len) return b;
  return buckets[buckets.length - 1]!;
}

/**
 * Gathers rows `index` of a split into a batch of `B` rows (rows past index.length are padding)
 * at the bucketed length of its longest row.
 */
export function makeBatch(
  split: EncodedSplit,
  index: Int32Array,
  B: number,
  buckets: readonly number[],
  padId: number,
): BatchArrays {
  let longest = 1;
  for (const i of index) longest = Math.max(longest, split.lengths[i]!);
  const T = bucketFor(longest, buckets);
  const ids = new Int32Array(B * T).fill(padId);
  const typeIds = new Int32Array(B * T);
  const mask = new Float32Array(B * T);
  const labels = new Float32Array(B);
  index.forEach((row, r) => {
    const src = row * split.maxLen;
    const len = split.lengths[row]!;
    ids.set(split.ids.subarray(src, src + T), r * T);
    typeIds.set(split.typeIds.subarray(src, src + T), r * T);
    mask.fill(1, r * T, r * T + len);
    labels[r] = split.labels[row]!;
  });
  return { B, T, ids, typeIds, mask, labels, valid: index.length, index };
}

/** Evaluation batches over a whole split: rows sorted by length (tight buckets), last batch padded. */
export function evalBatches(
  split: EncodedSplit,
  B: number,
  buckets: readonly number[],
  padId: number,
): BatchArrays[] {
  const order = Int32Array.from({ length: split.n }, (_, i) => i).sort(
    (x, y) => split.lengths[x]! - split.lengths[y]! || x - y,
  );
  const out: BatchArrays[] = [];
  for (let start = 0; start < split.n; start += B) {
    out.push(
      makeBatch(split, order.subarray(start, Math.min(start + B, split.n)), B, buckets, padId),
    );
  }
  return out;
}

/**
 * One epoch's training batches (full batches only, so every step has the same batch size): a
 * seeded shuffle, then rows sorted by length inside windows of `window` batches and cut into
 * batches, then the batch order shuffled. Like Hugging Face's group_by_length, this keeps most
 * batches in a short length bucket (less padding, fewer FLOPs) while staying random.
 */
export function epochBatches(split: EncodedSplit, B: number, rng: Rng, window = 50): Int32Array[] {
  const order = permutation(split.n, rng);
  const full = Math.floor(split.n / B) * B;
  const batches: Int32Array[] = [];
  for (let start = 0; start < full; start += B * window) {
    const chunk = order
      .slice(start, Math.min(start + B * window, full))
      .sort((x, y) => split.lengths[x]! - split.lengths[y]! || x - y);
    for (let b = 0; b + B <= chunk.length; b += B) batches.push(chunk.slice(b, b + B));
  }
  const shuffled = permutation(batches.length, rng);
  return Array.from(shuffled, (i) => batches[i]!);
}
