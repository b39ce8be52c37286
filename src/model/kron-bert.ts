// KroneckerBERT (Tahaei et al., NAACL 2022, Table 1): a BERT whose word embedding, Q/K/V/attention
// output and both FFN matrices are Kronecker-factored, everything else dense. Same depth, width and
// layer outputs as its teacher, so the BERT forward (encoder.ts) runs it unchanged: `linear` and the
// embedding dispatch on `.kron_a`/`.kron_b`. Parameter names: Hugging Face's for the dense parts,
// `<matrix>.kron_a` [r, m1, n1] and `<matrix>.kron_b` [r, m2, n2] for the factors.
import type { KronFactor, KronFactors } from '../config/student';
import { hashString, makeRng } from '../util/rng';
import { kronBertFlops, kronBertParamCount } from '../config/model-size';
import { archOf, bertParamShapes, countBertParams, type BertConfig } from './config';
import { bertForward } from './encoder';
import { kronShapeFor, type KronShape } from './kronecker';
import type { Model } from './model';
import { Params, type ParamArray } from './params';

export interface KronBertConfig {
  /** The dense shape (the teacher's): layers, hidden, heads, FFN, vocabulary, labels. */
  bert: BertConfig;
  factors: KronFactors;
}

/** Prefix of the word-embedding table; its factors are `${EMBEDDING}.kron_a` / `.kron_b`. */
export const KRON_EMBEDDING = 'bert.embeddings.word_embeddings';

/**
 * The factored matrices of `c` by prefix (`<prefix>.weight` is replaced by `.kron_a`/`.kron_b`),
 * with their factor shapes. The embedding [V, H] is the product with m1 = V, n1 = H/n, m2 = 1, n2 = n.
 * @throws Error naming the matrix whose factors do not tile it.
 */
export function kronMatrices(c: KronBertConfig): Map<string, KronShape> {
  const { hiddenSize: H, intermediateSize: I, vocabSize: V } = c.bert;
  const f = c.factors;
  const out = new Map<string, KronShape>();
  const add = (prefix: string, fac: KronFactor | null, rows: number, cols: number): void => {
    if (!fac) return;
    try {
      out.set(prefix, kronShapeFor(rows, cols, fac.m1, fac.n1, fac.sums));
    } catch (e) {
      throw new Error(`${prefix}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  };
  if (f.embedding)
    add(KRON_EMBEDDING, { m1: V, n1: H / f.embedding.n, sums: f.embedding.sums }, V, H);
  for (let l = 0; l < c.bert.numHiddenLayers; l++) {
    const p = `bert.encoder.layer.${l}`;
    for (const m of ['query', 'key', 'value']) add(`${p}.attention.self.${m}`, f.attention, H, H);
    add(`${p}.attention.output.dense`, f.attention, H, H);
    add(`${p}.intermediate.dense`, f.ffnUp, I, H);
    add(`${p}.output.dense`, f.ffnDown, H, I);
  }
  return out;
}

/** Shapes of every parameter of a KroneckerBERT, keyed by name (dense ones as `bertParamShapes`). */
export function kronBertParamShapes(c: KronBertConfig): Map<string, number[]> {
  const shapes = bertParamShapes(c.bert);
  for (const [prefix, s] of kronMatrices(c)) {
    shapes.delete(`${prefix}.weight`);
    shapes.set(`${prefix}.kron_a`, [s.sums, s.m1, s.n1]);
    shapes.set(`${prefix}.kron_b`, [s.sums, s.m2, s.n2]);
  }
  return shapes;
}

/** Scalar parameters of a KroneckerBERT (config/model-size arithmetic). */
export function countKronBertParams(c: KronBertConfig): number {
  return kronBertParamCount(
    archOf(c.bert),
    {
      vocabSize: c.bert.vocabSize,
      numLabels: c.bert.numLabels,
      maxPositions: c.bert.maxPositionEmbeddings,
    },
    c.factors,
  );
}

/**
 * Forward FLOPs per token at sequence length `seqLen`, 2 × multiply-adds as `bertFlopsPerToken`:
 * the dense count with each factored matrix's 2·m·n replaced by its matrix-free cost (Eq. 7, the
 * cheaper order), plus the Kronecker embedding's H·(2r − 1) per token (config/model-size).
 */
export function kronBertFlopsPerToken(c: KronBertConfig, seqLen: number): number {
  return kronBertFlops(archOf(c.bert), c.bert.vocabSize, c.factors, seqLen);
}

/**
 * Initial values: dense parameters exactly as `initBertArrays` draws them (same seed, same values),
 * and factor entries ~ N(0, σ/√r) so that each entry of Σ_r A_r ⊗ B_r has BERT's std σ
 * (initializerRange). The padding row of the embedding's A factor is 0, as BERT's.
 */
export function initKronBertArrays(c: KronBertConfig, seed: number): Map<string, ParamArray> {
  const out = new Map<string, ParamArray>();
  const sigma = c.bert.initializerRange;
  const kron = kronMatrices(c);
  for (const [name, shape] of kronBertParamShapes(c)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    const isFactor = name.endsWith('.kron_a') || name.endsWith('.kron_b');
    if (name.includes('LayerNorm') && name.endsWith('.weight')) data.fill(1);
    else if (!name.endsWith('.bias') && !name.includes('LayerNorm')) {
      const sums = isFactor ? (kron.get(name.slice(0, name.lastIndexOf('.')))?.sums ?? 1) : 1;
      const std = isFactor ? Math.sqrt(sigma / Math.sqrt(sums)) : sigma;
      const rng = makeRng(seed, hashString(name));
      for (let i = 0; i < size; i++) data[i] = rng.normal() * std;
      if (name === 'bert.embeddings.word_embeddings.weight')
        zeroRow(data, shape, 1, c.bert.padTokenId);
      if (name === `${KRON_EMBEDDING}.kron_a`)
        zeroRow(data, shape, shape[0] ?? 1, c.bert.padTokenId);
    }
    out.set(name, { shape, data });
  }
  return out;
}

/** Zeroes row `row` of each of `blocks` leading blocks of a [blocks, rows, cols] (or [rows, cols]) array. */
function zeroRow(data: Float32Array, shape: number[], blocks: number, row: number): void {
  const cols = shape[shape.length - 1] ?? 0;
  const rows = shape[shape.length - 2] ?? 0;
  for (let b = 0; b < blocks; b++) {
    const start = (b * rows + row) * cols;
    data.fill(0, start, start + cols);
  }
}

/** Plain-data summary of a KroneckerBERT config: the BERT keys, the factors and the dense size. */
export function kronBertSummaryConfig(c: KronBertConfig): Record<string, unknown> {
  const params = countKronBertParams(c);
  const denseParams = countBertParams(c.bert);
  return {
    ...c.bert,
    factors: structuredClone(c.factors),
    denseParams,
    /** Parameters of the dense teacher shape ÷ parameters here. */
    compression: denseParams / params,
  };
}

/** A KroneckerBERT as a Model: the BERT forward over factored parameters. */
export function kronBertModel(c: KronBertConfig, params: Params): Model {
  kronMatrices(c); // throws early on factors that do not tile the matrices
  return {
    kind: 'kron-bert',
    params,
    forward: (batch, opts) => bertForward(params, c.bert, batch, opts),
    summary: () => ({
      kind: 'kron-bert',
      params: countKronBertParams(c),
      flopsPerToken: (seqLen) => kronBertFlopsPerToken(c, seqLen),
      config: kronBertSummaryConfig(c),
    }),
    dispose: () => params.dispose(),
  };
}

/** A freshly initialised, trainable KroneckerBERT. */
export function initKronBert(c: KronBertConfig, seed: number): Model {
  return kronBertModel(c, Params.fromArrays(initKronBertArrays(c, seed)));
}
