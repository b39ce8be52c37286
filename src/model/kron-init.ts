// KroneckerBERT from a dense teacher (Tahaei et al., NAACL 2022, §3.3: "the uncompressed layers are
// copied and the Kronecker factors are initialised by the nearest Kronecker product of the
// teacher's matrices"): each factored matrix goes through NKP (nkp.ts), every other parameter is
// copied. Works for any dense BERT of the student's shape (a trained teacher, an imported one).
import type { KronFactors } from '../config/student';
import { bertParamShapes, type BertConfig } from './config';
import { kronMatrices, kronBertModel, type KronBertConfig } from './kron-bert';
import type { Model } from './model';
import { nearestKronecker, type NkpOptions } from './nkp';
import { Params, type ParamArray } from './params';

/** How well NKP approximated one teacher matrix. */
export interface NkpReport {
  /** Matrix prefix, e.g. 'bert.encoder.layer.0.attention.self.query'. */
  prefix: string;
  /** ‖W − Σ A⊗B‖_F / ‖W‖_F. */
  relResidual: number;
  /** Top singular values of the rearranged matrix (one per summand). */
  singularValues: number[];
}

const SHAPE_KEYS = [
  'vocabSize',
  'hiddenSize',
  'numHiddenLayers',
  'numAttentionHeads',
  'intermediateSize',
  'maxPositionEmbeddings',
  'typeVocabSize',
  'numLabels',
] as const;

/** Throws naming each size on which the student's dense shape differs from the teacher's. */
function checkSameShape(teacher: BertConfig, student: BertConfig): void {
  const diff = SHAPE_KEYS.filter((k) => teacher[k] !== student[k]).map(
    (k) => `${k} ${student[k]} (teacher ${teacher[k]})`,
  );
  if (diff.length > 0) {
    throw new Error(
      `A KroneckerBERT initialised from a teacher keeps the teacher's shape; it differs in ${diff.join(', ')}`,
    );
  }
}

/**
 * The student's parameter arrays from the teacher's: NKP factors for every factored matrix of `c`,
 * copies of everything else. `teacher` holds a dense BERT's arrays by Hugging Face name.
 * @throws Error naming a missing teacher parameter or one of the wrong shape.
 */
export function kronBertArraysFromTeacher(
  teacher: Map<string, ParamArray>,
  teacherConfig: BertConfig,
  c: KronBertConfig,
  opts: NkpOptions = {},
): { arrays: Map<string, ParamArray>; report: NkpReport[] } {
  checkSameShape(teacherConfig, c.bert);
  for (const [name, shape] of bertParamShapes(teacherConfig)) {
    const t = teacher.get(name);
    if (!t) throw new Error(`Teacher lacks parameter '${name}'`);
    if (t.shape.join() !== shape.join()) {
      throw new Error(`Teacher parameter '${name}' is [${t.shape}], expected [${shape}]`);
    }
  }
  const kron = kronMatrices(c);
  const arrays = new Map<string, ParamArray>();
  const report: NkpReport[] = [];
  for (const [name, shape] of bertParamShapes(c.bert)) {
    const prefix = name.slice(0, name.lastIndexOf('.'));
    const s = name.endsWith('.weight') ? kron.get(prefix) : undefined;
    const t = teacher.get(name)!;
    if (!s) {
      arrays.set(name, { shape: shape.slice(), data: Float32Array.from(t.data) });
      continue;
    }
    const r = nearestKronecker(t.data, s, opts);
    arrays.set(`${prefix}.kron_a`, { shape: [s.sums, s.m1, s.n1], data: r.a });
    arrays.set(`${prefix}.kron_b`, { shape: [s.sums, s.m2, s.n2], data: r.b });
    report.push({
      prefix,
      relResidual: Math.sqrt(r.residual2 / Math.max(r.frobenius2, 1e-300)),
      singularValues: r.singularValues,
    });
  }
  return { arrays, report };
}

/**
 * A trainable KroneckerBERT initialised from a dense teacher (NKP + copies; one readback of the
 * teacher's weights). `student` defaults to the teacher's config (its dropout included).
 */
export async function initKronBertFromTeacher(
  teacher: { config: BertConfig; params: Params },
  factors: KronFactors,
  student: BertConfig = teacher.config,
  opts: NkpOptions = {},
): Promise<{ model: Model; report: NkpReport[] }> {
  const c: KronBertConfig = { bert: student, factors };
  const { arrays, report } = kronBertArraysFromTeacher(
    await teacher.params.toArrays(),
    teacher.config,
    c,
    opts,
  );
  return { model: kronBertModel(c, Params.fromArrays(arrays)), report };
}
