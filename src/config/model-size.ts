// Sizes of the models a run can train, by arithmetic on their configs alone (no tensors): parameter
// counts and forward FLOPs per token of the dense BERT, KroneckerBERT (Tahaei et al., NAACL 2022,
// Eq. 7), TextCNN and BiLSTM. The model code (src/model) counts with these same functions, and the
// UI's Students panel shows them live; src/model/size.test.ts checks them against allocated models.
import type { ModelArch, RunConfig } from './run-config';
import type { KronFactor, KronFactors, StudentSpec } from './student';

/** What a model's size depends on beyond its architecture: the task and the tokenizer. */
export interface SizeContext {
  /** Vocabulary rows of the embedding table. */
  vocabSize: number;
  /** Classes (1 = a regression head). */
  numLabels: number;
  /** Position-embedding rows of a BERT (BERT: 512). */
  maxPositions: number;
  /** Sequence length the FLOPs are quoted at (attention grows with it). */
  seqLen: number;
}

/** The architecture numbers a BERT's size depends on. */
export type BertShape = Pick<ModelArch, 'layers' | 'hidden' | 'intermediate'>;

/** Token-type (segment) embedding rows of every BERT here. */
export const TYPE_VOCAB_SIZE = 2;

/**
 * Scalars of a dense BERT with a classifier head (what model/config.bertParamShapes allocates):
 * embeddings V·H + P·H + 2·H + LayerNorm 2H; per layer Q, K, V, O (4·(H² + H)), two LayerNorms
 * (4H), FFN I·H + I + H·I + H; pooler H² + H; classifier C·H + C.
 */
export function bertParamCount(
  a: BertShape,
  c: Pick<SizeContext, 'vocabSize' | 'numLabels' | 'maxPositions'>,
): number {
  const H = a.hidden;
  const I = a.intermediate;
  const embeddings = (c.vocabSize + c.maxPositions + TYPE_VOCAB_SIZE) * H + 2 * H;
  const layer = 4 * (H * H + H) + 4 * H + (I * H + I) + (H * I + H);
  return embeddings + a.layers * layer + (H * H + H) + (c.numLabels * H + c.numLabels);
}

/** Forward FLOPs per token (multiply-adds × 2) of the encoder at sequence length `seqLen`. */
export function bertFlops(a: BertShape, seqLen: number): number {
  const H = a.hidden;
  const perLayer =
    2 * (4 * H * H) + // Q, K, V and output projections
    2 * (2 * H * a.intermediate) + // FFN up and down
    2 * (2 * seqLen * H); // QK^T and probs·V, per token
  return a.layers * perLayer;
}

/**
 * Factor shapes of W ≈ Σ_{r<sums} A_r ⊗ B_r with W [m1·m2, n1·n2] = [out, in],
 * A stored [sums, m1, n1] and B stored [sums, m2, n2] (the layout of `mrtahaei/kronecker-kd`).
 */
export interface KronShape {
  m1: number;
  n1: number;
  m2: number;
  n2: number;
  /** Number of Kronecker products summed, ≥ 1 (the paper uses 1). */
  sums: number;
}

/**
 * The factor shape of an [out, in] matrix whose A factor is [m1, n1]: B is [out/m1, in/n1].
 * @throws Error when m1 does not divide `out` or n1 does not divide `inp`.
 */
export function kronShapeFor(
  out: number,
  inp: number,
  m1: number,
  n1: number,
  sums = 1,
): KronShape {
  const ok = (v: number) => Number.isInteger(v) && v >= 1;
  if (!ok(m1) || !ok(n1) || !ok(sums) || out % m1 !== 0 || inp % n1 !== 0) {
    throw new Error(
      `Kronecker factor A [${m1}, ${n1}] × ${sums} does not tile a [${out}, ${inp}] matrix ` +
        '(m1 must divide the output size and n1 the input size; sums ≥ 1)',
    );
  }
  return { m1, n1, m2: out / m1, n2: inp / n1, sums };
}

/** Scalars in the factors: sums · (m1·n1 + m2·n2). */
export function kronParamCount(s: KronShape): number {
  return s.sums * (s.m1 * s.n1 + s.m2 * s.n2);
}

/**
 * Which factor multiplies first in the matrix-free product:
 * - 'b-first': T = X·Bᵀ over the n2 axis, then A over the n1 axis;
 * - 'a-first': T = A over the n1 axis, then ·Bᵀ over the n2 axis.
 */
export type KronOrder = 'b-first' | 'a-first';

/**
 * Exact multiply + add counts of one input row through one summand, for both orders (paper Eq. 7):
 * b-first (2n2−1)·m2·n1 + (2n1−1)·m2·m1, a-first (2n1−1)·n2·m1 + (2n2−1)·m2·m1.
 */
export function kronFlopsEq7(s: KronShape): Record<KronOrder, number> {
  return {
    'b-first': (2 * s.n2 - 1) * s.m2 * s.n1 + (2 * s.n1 - 1) * s.m2 * s.m1,
    'a-first': (2 * s.n1 - 1) * s.n2 * s.m1 + (2 * s.n2 - 1) * s.m2 * s.m1,
  };
}

/** The order with fewer FLOPs by Eq. 7 ('b-first' on a tie). */
export function kronOrder(s: KronShape): KronOrder {
  const f = kronFlopsEq7(s);
  return f['a-first'] < f['b-first'] ? 'a-first' : 'b-first';
}

/**
 * Forward FLOPs per input row of the factored layer, as 2 × multiply-adds (the convention of
 * `bertFlops`): sums × the cheaper order (Eq. 7 with 2n in place of 2n − 1), bias excluded.
 */
export function kronLinearFlops(s: KronShape): number {
  const bFirst = 2 * (s.n2 * s.m2 * s.n1 + s.n1 * s.m2 * s.m1);
  const aFirst = 2 * (s.n1 * s.n2 * s.m1 + s.n2 * s.m2 * s.m1);
  return s.sums * (kronOrder(s) === 'a-first' ? aFirst : bFirst);
}

/** Forward FLOPs per input row of the dense [out, in] layer it replaces: 2·out·in. */
export function denseLinearFlops(out: number, inp: number): number {
  return 2 * out * inp;
}

/** One factored matrix of a KroneckerBERT: its role, how many of it the model has, its shape. */
export interface KronMatrix {
  part: 'embedding' | 'attention' | 'ffnUp' | 'ffnDown';
  /** The dense matrix [out, in] it replaces. */
  out: number;
  inp: number;
  /** How many such matrices: 1 for the embedding, 4 × layers for attention, layers for the FFN. */
  count: number;
  shape: KronShape;
}

/**
 * The factored matrices of a KroneckerBERT of shape `a` (vocabulary V), one entry per part. The
 * embedding [V, H] is the product with m1 = V, n1 = H/n, m2 = 1, n2 = n (Table 1's embedding).
 * @throws Error (naming the part) when a factor does not tile its matrix.
 */
export function kronMatrixList(
  a: BertShape,
  vocabSize: number,
  factors: KronFactors,
): KronMatrix[] {
  const { hidden: H, intermediate: I, layers: L } = a;
  const out: KronMatrix[] = [];
  const add = (
    part: KronMatrix['part'],
    f: KronFactor | null,
    rows: number,
    cols: number,
    count: number,
  ): void => {
    if (!f) return;
    try {
      out.push({
        part,
        out: rows,
        inp: cols,
        count,
        shape: kronShapeFor(rows, cols, f.m1, f.n1, f.sums),
      });
    } catch (e) {
      throw new Error(`${part}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  };
  const e = factors.embedding;
  if (e) add('embedding', { m1: vocabSize, n1: H / e.n, sums: e.sums }, vocabSize, H, 1);
  add('attention', factors.attention, H, H, 4 * L);
  add('ffnUp', factors.ffnUp, I, H, L);
  add('ffnDown', factors.ffnDown, H, I, L);
  return out;
}

/** Scalars of a KroneckerBERT: the dense count with each factored matrix replaced by its factors. */
export function kronBertParamCount(
  a: BertShape,
  c: Pick<SizeContext, 'vocabSize' | 'numLabels' | 'maxPositions'>,
  factors: KronFactors,
): number {
  let n = bertParamCount(a, c);
  for (const m of kronMatrixList(a, c.vocabSize, factors))
    n += m.count * (kronParamCount(m.shape) - m.out * m.inp);
  return n;
}

/**
 * Forward FLOPs per token of a KroneckerBERT: the dense count with each factored matrix's 2·m·n
 * replaced by its matrix-free cost (Eq. 7, the cheaper order), plus the Kronecker embedding's
 * H·(2r − 1) per token (a dense lookup costs none).
 */
export function kronBertFlops(
  a: BertShape,
  vocabSize: number,
  factors: KronFactors,
  seqLen: number,
): number {
  let flops = bertFlops(a, seqLen);
  for (const m of kronMatrixList(a, vocabSize, factors)) {
    if (m.part === 'embedding') flops += a.hidden * (2 * m.shape.sums - 1);
    else flops += m.count * (kronLinearFlops(m.shape) - denseLinearFlops(m.out, m.inp));
  }
  return flops;
}

type TextCnnShape = Pick<Extract<StudentSpec, { kind: 'textcnn' }>, 'embed' | 'filters' | 'widths'>;
type BiLstmShape = Pick<Extract<StudentSpec, { kind: 'bilstm' }>, 'embed' | 'hidden'>;

/** Scalars of a TextCNN: V·E embeddings, per width w F·E·w + F, classifier C·F·n + C. */
export function textCnnParamCount(
  s: TextCnnShape,
  c: Pick<SizeContext, 'vocabSize' | 'numLabels'>,
): number {
  const convs = s.widths.reduce((acc, w) => acc + s.filters * s.embed * w + s.filters, 0);
  const width = s.filters * s.widths.length;
  return c.vocabSize * s.embed + convs + c.numLabels * width + c.numLabels;
}

/** Forward FLOPs per token (2 × multiply-adds): Σ_w 2·w·E·F for the convolutions. */
export function textCnnFlops(s: TextCnnShape): number {
  return s.widths.reduce((acc, w) => acc + 2 * w * s.embed * s.filters, 0);
}

/** Scalars of a one-layer BiLSTM: V·E, per direction 4H·E + 4H·H + 8H, classifier C·2H + C. */
export function biLstmParamCount(
  s: BiLstmShape,
  c: Pick<SizeContext, 'vocabSize' | 'numLabels'>,
): number {
  const H = s.hidden;
  const direction = 4 * H * s.embed + 4 * H * H + 8 * H;
  return c.vocabSize * s.embed + 2 * direction + c.numLabels * 2 * H + c.numLabels;
}

/** Forward FLOPs per token (2 × multiply-adds), both directions: 2 · (2·4H·E + 2·4H·H). */
export function biLstmFlops(s: BiLstmShape): number {
  return 2 * (2 * 4 * s.hidden * s.embed + 2 * 4 * s.hidden * s.hidden);
}

/** A model's size: what the Students panel, the CLI and exported configs show. */
export interface SizeReadout {
  params: number;
  /** Forward FLOPs per token at the context's sequence length (2 × multiply-adds). */
  flopsPerToken: number;
  /** Parameters of the reference ÷ parameters of the model; null when there is no reference. */
  compression: number | null;
  /** The reference: the teacher's parameters, else (KroneckerBERT) its dense twin's. */
  referenceParams: number | null;
}

/** Parameters and FLOPs per token of a student spec (undefined = the dense BERT of `arch`). */
export function studentParamsAndFlops(
  spec: StudentSpec | undefined,
  arch: BertShape,
  c: SizeContext,
): { params: number; flopsPerToken: number } {
  const s = spec ?? { kind: 'bert' };
  switch (s.kind) {
    case 'bert':
      return { params: bertParamCount(arch, c), flopsPerToken: bertFlops(arch, c.seqLen) };
    case 'kron-bert':
      return {
        params: kronBertParamCount(arch, c, s.factors),
        flopsPerToken: kronBertFlops(arch, c.vocabSize, s.factors, c.seqLen),
      };
    case 'textcnn':
      return { params: textCnnParamCount(s, c), flopsPerToken: textCnnFlops(s) };
    case 'bilstm':
      return { params: biLstmParamCount(s, c), flopsPerToken: biLstmFlops(s) };
  }
}

/**
 * The size of a run's student (RunConfig.student over RunConfig.model) and its compression
 * against the run's trained teacher (kd.teacher.model), or, for a KroneckerBERT without one,
 * against its dense twin. Throws (naming the part) when Kronecker factors do not tile.
 */
export function runStudentSize(
  config: Pick<RunConfig, 'student' | 'model' | 'kd'>,
  c: SizeContext,
): SizeReadout {
  const { params, flopsPerToken } = studentParamsAndFlops(config.student, config.model, c);
  const t = config.kd?.teacher;
  const referenceParams =
    t?.source === 'train'
      ? bertParamCount(t.model, c)
      : config.student?.kind === 'kron-bert'
        ? bertParamCount(config.model, c)
        : null;
  return {
    params,
    flopsPerToken,
    compression: referenceParams === null ? null : referenceParams / params,
    referenceParams,
  };
}
