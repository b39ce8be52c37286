// Student architectures as plain data (STYLE R2, R3): a dense BERT (RunConfig.model), its
// Kronecker-factored twin (KroneckerBERT, Tahaei et al., NAACL 2022, Table 1), a TextCNN and a
// BiLSTM for cross-architecture KD; their schema, cross-field checks and named Kronecker presets.
import { z } from 'zod';
import type { ConfigError } from './validate';
import type { ModelArch, RunConfig } from './run-config';

/** One Kronecker-factored matrix W [out, in] ≈ Σ_{r<sums} A_r ⊗ B_r, A_r [m1, n1], B_r [out/m1, in/n1]. */
export interface KronFactor {
  /** Rows of A; divides the matrix's output size. */
  m1: number;
  /** Columns of A; divides the matrix's input size. */
  n1: number;
  /** Kronecker products summed, 1..16 (the paper uses 1). */
  sums: number;
}

/**
 * Which BERT matrices are factored and how (paper Table 1). `null` keeps that part dense.
 * Everything else (positions, token types, LayerNorms, biases, pooler, classifier) stays dense.
 */
export interface KronFactors {
  /** Word embedding [V, H]: row i = Σ_r A_r[i] ⊗ B_r, A_r a [V, H/n] table, B_r a [1, n] row. */
  embedding: { n: number; sums: number } | null;
  /** Q, K, V and the attention output projection, each [H, H]. */
  attention: KronFactor | null;
  /** FFN up-projection (intermediate.dense) [I, H]. */
  ffnUp: KronFactor | null;
  /** FFN down-projection (output.dense) [H, I]. */
  ffnDown: KronFactor | null;
}

/**
 * The model a run trains. Absent (or 'bert') = the dense BERT of `RunConfig.model`.
 * - 'kron-bert': `RunConfig.model` with the factored matrices of `factors`; `init: 'nkp'` starts
 *   from the teacher's weights (nearest Kronecker product; needs a teacher of the same shape).
 * - 'textcnn': embeddings → 1-D convolutions of several widths, ReLU → max over time → dense.
 * - 'bilstm': embeddings → bidirectional LSTM → final states of both directions → dense.
 */
export type StudentSpec =
  | { kind: 'bert' }
  | { kind: 'kron-bert'; factors: KronFactors; init: 'nkp' | 'random' }
  | {
      kind: 'textcnn';
      /** Embedding width, 8..1024. */
      embed: number;
      /** Filters per width, 1..1024. */
      filters: number;
      /** Window widths in tokens, each 1..9 (Kim 2014 uses 3, 4, 5). */
      widths: number[];
      /** Dropout on embeddings and the pooled features, [0, 0.9]. */
      dropout: number;
    }
  | {
      kind: 'bilstm';
      /** Embedding width, 8..1024. */
      embed: number;
      /** LSTM state size per direction, 8..1024. */
      hidden: number;
      /** Dropout on embeddings and the final states, [0, 0.9]. */
      dropout: number;
    };

export type StudentKind = StudentSpec['kind'];

/** A named Kronecker student: the teacher architecture it compresses and its factor shapes. */
export interface KronPreset {
  /** MODEL_PRESETS name of the teacher (and student) shape. */
  teacher: string;
  factors: KronFactors;
  /** What it reproduces, with the compression factor at BERT's 30,522-token vocabulary. */
  description: string;
}

const one = (m1: number, n1: number): KronFactor => ({ m1, n1, sums: 1 });

/**
 * Kronecker presets. The BERT-base pair reproduces the paper's Table 1 (KroneckerBERT8: embedding
 * n = 8, MHA A 384×384, FFN A 8×2 / 2×8; KroneckerBERT21: n = 16, MHA A 384×48, FFN A 16×2 / 2×16);
 * the mini trio scales the same recipe to the 4-layer, hidden-256 teacher a browser trains. Factors
 * are quoted at V = 30,522; a smaller vocabulary compresses less (the embedding shrinks less).
 */
export const KRON_PRESETS: Record<string, KronPreset> = {
  'kron-bert-base-8': {
    teacher: 'bert-base',
    factors: {
      embedding: { n: 8, sums: 1 },
      attention: one(384, 384),
      ffnUp: one(8, 2),
      ffnDown: one(2, 8),
    },
    description: 'KroneckerBERT8 (paper: 14.3 M, 7.7×): 14.65 M parameters, 7.5× BERT-base',
  },
  'kron-bert-base-21': {
    teacher: 'bert-base',
    factors: {
      embedding: { n: 16, sums: 1 },
      attention: one(384, 48),
      ffnUp: one(16, 2),
      ffnDown: one(2, 16),
    },
    description: 'KroneckerBERT21 (paper: 5.2 M, 21×): 5.23 M parameters, 20.9× BERT-base',
  },
  'kron-mini-4x': {
    teacher: 'bert-L4-H256',
    factors: {
      embedding: { n: 4, sums: 1 },
      attention: one(128, 128),
      ffnUp: one(4, 2),
      ffnDown: one(2, 4),
    },
    description: 'BERT-Mini (4/256) at 4.2×: 2.69 M parameters',
  },
  'kron-mini-8x': {
    teacher: 'bert-L4-H256',
    factors: {
      embedding: { n: 8, sums: 1 },
      attention: one(128, 64),
      ffnUp: one(8, 2),
      ffnDown: one(2, 8),
    },
    description: 'BERT-Mini (4/256) at 7.7×: 1.45 M parameters',
  },
  'kron-mini-16x': {
    teacher: 'bert-L4-H256',
    factors: {
      embedding: { n: 32, sums: 1 },
      attention: one(128, 64),
      ffnUp: one(8, 2),
      ffnDown: one(2, 8),
    },
    description: 'BERT-Mini (4/256) at 15.6×: 0.72 M parameters',
  },
};

/** The Kronecker preset `name` as a student spec (NKP init), or undefined. */
export function kronPresetSpec(name: string): StudentSpec | undefined {
  const p = KRON_PRESETS[name];
  return p ? { kind: 'kron-bert', factors: structuredClone(p.factors), init: 'nkp' } : undefined;
}

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const prob = z.number().min(0).max(0.9);
const factor = z.strictObject({ m1: int(1, 1 << 20), n1: int(1, 1 << 20), sums: int(1, 16) });

export const studentSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('bert') }),
  z.strictObject({
    kind: z.literal('kron-bert'),
    factors: z.strictObject({
      embedding: z.strictObject({ n: int(1, 4096), sums: int(1, 16) }).nullable(),
      attention: factor.nullable(),
      ffnUp: factor.nullable(),
      ffnDown: factor.nullable(),
    }),
    init: z.enum(['nkp', 'random']),
  }),
  z.strictObject({
    kind: z.literal('textcnn'),
    embed: int(8, 1024),
    filters: int(1, 1024),
    widths: z.array(int(1, 9)).min(1).max(8),
    dropout: prob,
  }),
  z.strictObject({
    kind: z.literal('bilstm'),
    embed: int(8, 1024),
    hidden: int(8, 1024),
    dropout: prob,
  }),
]);

/**
 * Every way `factors` fails to tile the matrices of `arch` (A's m1 must divide the output size and
 * n1 the input size; the embedding's n must divide the hidden size), as messages under `path`.
 */
export function checkKronFactors(
  factors: KronFactors,
  arch: Pick<ModelArch, 'hidden' | 'intermediate'>,
  path = 'student.factors',
): ConfigError[] {
  const errors: ConfigError[] = [];
  const H = arch.hidden;
  const I = arch.intermediate;
  const tile = (name: string, f: KronFactor | null, out: number, inp: number): void => {
    if (f && (out % f.m1 !== 0 || inp % f.n1 !== 0)) {
      errors.push({
        path: `${path}.${name}`,
        message:
          `${path}.${name}: A [${f.m1}, ${f.n1}] does not tile the [${out}, ${inp}] matrix ` +
          `(m1 must divide ${out} and n1 must divide ${inp})`,
      });
    }
  };
  if (factors.embedding && H % factors.embedding.n !== 0) {
    errors.push({
      path: `${path}.embedding.n`,
      message: `${path}.embedding.n (${factors.embedding.n}) must divide the hidden size (${H})`,
    });
  }
  tile('attention', factors.attention, H, H);
  tile('ffnUp', factors.ffnUp, I, H);
  tile('ffnDown', factors.ffnDown, H, I);
  return errors;
}

/**
 * Cross-field checks of `RunConfig.student`: factor shapes against `model`, and an NKP-initialised
 * Kronecker student needs a teacher whose trained shape equals `model` (or a provided teacher,
 * checked when it arrives).
 */
export function checkStudentConfig(c: RunConfig): ConfigError[] {
  const s = c.student;
  if (!s || s.kind !== 'kron-bert') return [];
  const errors = checkKronFactors(s.factors, c.model);
  if (s.init === 'nkp') {
    const t = c.kd?.teacher;
    if (!t) {
      errors.push({
        path: 'student.init',
        message:
          "student.init 'nkp' starts from a teacher's weights: set kd.teacher, or use 'random'",
      });
    } else if (t.source === 'train') {
      const same = (['layers', 'hidden', 'heads', 'intermediate'] as const).every(
        (k) => t.model[k] === c.model[k],
      );
      if (!same) {
        errors.push({
          path: 'student.init',
          message:
            "student.init 'nkp' needs kd.teacher.model to have model's layers, hidden, heads and " +
            'intermediate sizes (KroneckerBERT keeps the teacher shape)',
        });
      }
    }
  }
  return errors;
}
