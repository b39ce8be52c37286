// One entry point from a RunConfig's student spec to a Model: the dense BERT, KroneckerBERT (random
// or initialised from the teacher by nearest Kronecker products), TextCNN or BiLSTM. The training
// loop builds every student here, so adding a student kind touches this switch and nothing else.
import type { StudentSpec } from '../../config/student';
import type { BertConfig } from '../config';
import { initKronBertFromTeacher } from '../kron-init';
import { initKronBert } from '../kron-bert';
import { bertModel, type Model } from '../model';
import { initBertParams, type Params } from '../params';
import { initBiLstm } from './bilstm';
import { initTextCnn } from './textcnn';

/** A dense BERT teacher as the factory reads it (the loop has both halves). */
export interface TeacherWeights {
  config: BertConfig;
  params: Params;
}

function assertNever(x: never): never {
  throw new Error(`Unknown student kind: ${JSON.stringify(x)}`);
}

/**
 * A freshly initialised student. `bert` is the run's encoder config (from RunConfig.model and the
 * task): BERT students use all of it, KroneckerBERT factors it, TextCNN and BiLSTM take its
 * vocabulary, label count and padding id. `spec` undefined means the dense BERT.
 * @throws Error for a KroneckerBERT with `init: 'nkp'` (that needs a teacher: use `buildStudent`).
 */
export function createStudent(
  spec: StudentSpec | undefined,
  bert: BertConfig,
  seed: number,
): Model {
  const s = spec ?? { kind: 'bert' };
  switch (s.kind) {
    case 'bert':
      return bertModel(bert, initBertParams(bert, seed));
    case 'kron-bert':
      if (s.init === 'nkp') {
        throw new Error("A KroneckerBERT with init 'nkp' starts from a teacher: use buildStudent");
      }
      return initKronBert({ bert, factors: s.factors }, seed);
    case 'textcnn':
      return initTextCnn(
        {
          vocabSize: bert.vocabSize,
          embed: s.embed,
          filters: s.filters,
          widths: [...s.widths],
          numLabels: bert.numLabels,
          dropout: s.dropout,
          padTokenId: bert.padTokenId,
        },
        seed,
      );
    case 'bilstm':
      return initBiLstm(
        {
          vocabSize: bert.vocabSize,
          embed: s.embed,
          hidden: s.hidden,
          numLabels: bert.numLabels,
          dropout: s.dropout,
          padTokenId: bert.padTokenId,
        },
        seed,
      );
    default:
      return assertNever(s);
  }
}

/**
 * The student of a run: `createStudent`, except that a KroneckerBERT with `init: 'nkp'` is
 * initialised from `teacher` (factored matrices by NKP, everything else copied; the teacher must
 * have `bert`'s shape). One readback of the teacher's weights.
 * @throws Error when NKP init is asked for without a teacher, or the shapes differ.
 */
export async function buildStudent(
  spec: StudentSpec | undefined,
  bert: BertConfig,
  seed: number,
  teacher: TeacherWeights | null = null,
): Promise<Model> {
  if (spec?.kind !== 'kron-bert' || spec.init !== 'nkp') return createStudent(spec, bert, seed);
  if (!teacher) {
    throw new Error(
      "student.init 'nkp' starts from a teacher's weights, but the run has no teacher",
    );
  }
  return (await initKronBertFromTeacher(teacher, spec.factors, bert)).model;
}

/** What the UI, the CLI and exported configs show of a model. */
export interface ModelSize {
  params: number;
  /** Forward FLOPs per token at the given sequence length (2 × multiply-adds). */
  flopsPerToken: number;
  /** Parameters of the reference ÷ parameters of the model; null when there is no reference. */
  compression: number | null;
  /** The reference: the teacher's parameters, else (KroneckerBERT) its dense twin's. */
  referenceParams: number | null;
}

/**
 * Size of `model` at sequence length `seqLen`, and its compression against `teacher` (or, for a
 * KroneckerBERT without one, against the dense BERT of the same shape).
 */
export function modelSize(model: Model, seqLen: number, teacher: Model | null = null): ModelSize {
  const s = model.summary();
  const dense = s.config['denseParams'];
  const referenceParams = teacher
    ? teacher.summary().params
    : typeof dense === 'number'
      ? dense
      : null;
  return {
    params: s.params,
    flopsPerToken: s.flopsPerToken(seqLen),
    compression: referenceParams === null ? null : referenceParams / s.params,
    referenceParams,
  };
}
