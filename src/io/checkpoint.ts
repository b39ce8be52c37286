// Export any model as Hugging Face-style files (config.json + model.safetensors, plus vocab.txt and
// tokenizer_config.json when a vocabulary is given) and import them back. A BERT export loads in
// transformers as BertForSequenceClassification; KroneckerBERT exports its factors as named
// tensors with a `kronecker` block in config.json; TextCNN and BiLSTM use their own model_type.
import { z } from 'zod';
import { parseVocab } from '../data';
import {
  bertModel,
  biLstmModel,
  biLstmParamShapes,
  countBertParams,
  kronBertModel,
  kronBertParamShapes,
  Params,
  textCnnModel,
  textCnnParamShapes,
  type BiLstmConfig,
  type Model,
  type ParamArray,
  type TextCnnConfig,
} from '../model';
import {
  bertConfigFromHf,
  hfBertConfigJson,
  hfHeadFrom,
  hfHeadJson,
  kronFactorsFromJson,
  kroneckerJson,
  type HeadOptions,
  type HfHead,
} from './hf-config';
import { importHfBert, type ImportOptions } from './hf-bert';
import {
  parseSafetensors,
  writeSafetensors,
  type FloatDtype,
  type SafetensorsFile,
} from './safetensors';
import { readJson, readText, type WeightFiles } from './sources';

export const MODEL_TYPES = {
  bert: 'bert',
  'kron-bert': 'kronecker-bert',
  textcnn: 'distillery-textcnn',
  bilstm: 'distillery-bilstm',
} as const;

export interface ExportOptions extends HeadOptions {
  /** Vocabulary (index = id) to ship as vocab.txt. */
  vocab?: readonly string[];
  /** Written to tokenizer_config.json as do_lower_case (with the vocabulary). */
  lowercase?: boolean;
  /** Tensor dtype in model.safetensors (default F32). */
  dtype?: FloatDtype;
  /** Sequence length at which FLOPs per token are quoted (default 128). */
  seqLen?: number;
  /** The teacher's parameter count, for the compression factor in the `distillery` block. */
  teacherParams?: number;
}

/** Exported files by name: strings for JSON/text, bytes for weights. */
export type CheckpointFiles = Map<string, Uint8Array | string>;

const num = z.number();
const bertSummary = z.object({
  vocabSize: num,
  hiddenSize: num,
  numHiddenLayers: num,
  numAttentionHeads: num,
  intermediateSize: num,
  maxPositionEmbeddings: num,
  typeVocabSize: num,
  hiddenDropoutProb: num,
  attentionProbsDropoutProb: num,
  layerNormEps: num,
  initializerRange: num,
  numLabels: num,
  padTokenId: num,
});
const factor = z.object({ m1: num, n1: num, sums: num }).nullable();
const kronSummary = bertSummary.extend({
  factors: z.object({
    embedding: z.object({ n: num, sums: num }).nullable(),
    attention: factor,
    ffnUp: factor,
    ffnDown: factor,
  }),
});
const textCnnSummary = z.object({
  vocabSize: num,
  embed: num,
  filters: num,
  widths: z.array(num),
  numLabels: num,
  dropout: num,
  padTokenId: num,
});
const biLstmSummary = z.object({
  vocabSize: num,
  embed: num,
  hidden: num,
  numLabels: num,
  dropout: num,
  padTokenId: num,
});

/** The config.json of a model (its kind's keys, the head, the `distillery` summary block). */
export function modelConfigJson(model: Model, opts: ExportOptions = {}): Record<string, unknown> {
  const s = model.summary();
  const seqLen = opts.seqLen ?? 128;
  const teacherParams =
    opts.teacherParams ??
    (s.kind === 'kron-bert' ? countBertParams(bertSummary.parse(s.config)) : undefined);
  const distillery = {
    kind: s.kind,
    params: s.params,
    flops_per_token: s.flopsPerToken(seqLen),
    flops_seq_len: seqLen,
    ...(teacherParams
      ? { teacher_params: teacherParams, compression: teacherParams / s.params }
      : {}),
  };
  switch (model.kind) {
    case 'bert':
      return { ...hfBertConfigJson(bertSummary.parse(s.config), opts), distillery };
    case 'kron-bert': {
      const c = kronSummary.parse(s.config);
      return {
        ...hfBertConfigJson(c, opts),
        architectures: ['KroneckerBertForSequenceClassification'],
        model_type: MODEL_TYPES['kron-bert'],
        kronecker: kroneckerJson(c.factors),
        distillery,
      };
    }
    case 'textcnn': {
      const c = textCnnSummary.parse(s.config);
      return {
        architectures: ['TextCnnForSequenceClassification'],
        model_type: MODEL_TYPES.textcnn,
        vocab_size: c.vocabSize,
        embed_size: c.embed,
        num_filters: c.filters,
        kernel_sizes: c.widths,
        dropout: c.dropout,
        pad_token_id: c.padTokenId,
        ...hfHeadJson(c.numLabels, opts),
        distillery,
      };
    }
    case 'bilstm': {
      const c = biLstmSummary.parse(s.config);
      return {
        architectures: ['BiLstmForSequenceClassification'],
        model_type: MODEL_TYPES.bilstm,
        vocab_size: c.vocabSize,
        embed_size: c.embed,
        hidden_size: c.hidden,
        dropout: c.dropout,
        pad_token_id: c.padTokenId,
        ...hfHeadJson(c.numLabels, opts),
        distillery,
      };
    }
  }
}

/**
 * The files of a model checkpoint: config.json, model.safetensors (every parameter under its own
 * name, metadata format 'pt' as transformers expects) and, given a vocabulary, vocab.txt and
 * tokenizer_config.json. One readback of the weights.
 */
export async function exportModel(
  model: Model,
  opts: ExportOptions = {},
): Promise<CheckpointFiles> {
  const config = modelConfigJson(model, opts);
  const arrays = await model.params.toArrays();
  const files: CheckpointFiles = new Map();
  files.set('config.json', `${JSON.stringify(config, null, 2)}\n`);
  files.set('model.safetensors', writeSafetensors(arrays, { format: 'pt' }, opts.dtype ?? 'F32'));
  if (opts.vocab) {
    files.set('vocab.txt', `${opts.vocab.join('\n')}\n`);
    const tc: Record<string, unknown> = { tokenizer_class: 'BertTokenizer' };
    if (opts.lowercase !== undefined) tc['do_lower_case'] = opts.lowercase;
    files.set('tokenizer_config.json', `${JSON.stringify(tc, null, 2)}\n`);
  }
  return files;
}

/** Reads exactly the tensors of `shapes` (no more, no fewer, each of its shape). */
function readExact(file: SafetensorsFile, shapes: Map<string, number[]>): Map<string, ParamArray> {
  const out = new Map<string, ParamArray>();
  for (const [name, shape] of shapes) {
    const t = file.tensors.get(name);
    if (!t) throw new Error(`${file.source}: missing tensor '${name}'`);
    if (t.shape.join() !== shape.join()) {
      throw new Error(
        `${file.source}: tensor '${name}' is [${t.shape}], the config implies [${shape}]`,
      );
    }
    out.set(name, { shape: shape.slice(), data: file.read(name) });
  }
  const extra = [...file.tensors.keys()].filter((n) => !shapes.has(n));
  if (extra.length > 0)
    throw new Error(`${file.source}: unexpected tensors ${extra.slice(0, 5).join(', ')}`);
  return out;
}

/** A checkpoint read back as a Model. */
export interface ImportedCheckpoint {
  model: Model;
  head: HfHead;
  vocab: string[] | null;
  lowercase: boolean | null;
  /** BERT only: parameters initialised fresh (a missing pooler or classifier). */
  initialised: string[];
}

const studentJson = z.object({
  vocab_size: z.number().int().positive(),
  embed_size: z.number().int().positive(),
  num_filters: z.number().int().positive().optional(),
  kernel_sizes: z.array(z.number().int().positive()).optional(),
  hidden_size: z.number().int().positive().optional(),
  dropout: z.number().min(0).max(1),
  pad_token_id: z.number().int().min(0),
});

/**
 * Reads a checkpoint written by `exportModel`, or any Hugging Face BERT (model_type 'bert'), as a
 * Model. The kind comes from config.json's model_type.
 */
export async function importCheckpoint(
  files: WeightFiles,
  opts: ImportOptions = {},
): Promise<ImportedCheckpoint> {
  const cfgSrc = `${files.source}/config.json`;
  const json = await readJson(files, 'config.json');
  if (json === null) throw new Error(`${cfgSrc}: not found`);
  const type = z.object({ model_type: z.string().optional() }).safeParse(json);
  const modelType = type.success ? (type.data.model_type ?? 'bert') : 'bert';
  if (modelType === 'bert') {
    const b = await importHfBert(files, opts);
    return {
      model: bertModel(b.config, Params.fromArrays(b.arrays)),
      head: b.head,
      vocab: b.vocab,
      lowercase: b.lowercase,
      initialised: b.initialised,
    };
  }
  const bytes = await files.get('model.safetensors');
  if (bytes === null) throw new Error(`${files.source}/model.safetensors: not found`);
  const file = parseSafetensors(bytes, `${files.source}/model.safetensors`);
  const vocabText = await readText(files, 'vocab.txt');
  const vocab = vocabText === null ? null : parseVocab(vocabText, `${files.source}/vocab.txt`);
  const tc = z
    .object({ do_lower_case: z.boolean() })
    .safeParse(await readJson(files, 'tokenizer_config.json'));
  const lowercase = tc.success ? tc.data.do_lower_case : null;
  const base = { vocab, lowercase, initialised: [] };
  if (modelType === MODEL_TYPES['kron-bert']) {
    const { config, head } = bertConfigFromHf({ ...(json as object), model_type: 'bert' }, cfgSrc);
    const factors = kronFactorsFromJson((json as Record<string, unknown>)['kronecker'], cfgSrc);
    const c = { bert: config, factors };
    return {
      model: kronBertModel(c, Params.fromArrays(readExact(file, kronBertParamShapes(c)))),
      head,
      ...base,
    };
  }
  const head = hfHeadFrom(json);
  const parsed = studentJson.safeParse(json);
  if (!parsed.success)
    throw new Error(
      `${cfgSrc}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`,
    );
  const j = parsed.data;
  const common = {
    vocabSize: j.vocab_size,
    embed: j.embed_size,
    numLabels: head.numLabels,
    dropout: j.dropout,
    padTokenId: j.pad_token_id,
  };
  if (modelType === MODEL_TYPES.textcnn && j.num_filters && j.kernel_sizes) {
    const c: TextCnnConfig = { ...common, filters: j.num_filters, widths: j.kernel_sizes };
    return {
      model: textCnnModel(c, Params.fromArrays(readExact(file, textCnnParamShapes(c)))),
      head,
      ...base,
    };
  }
  if (modelType === MODEL_TYPES.bilstm && j.hidden_size) {
    const c: BiLstmConfig = { ...common, hidden: j.hidden_size };
    return {
      model: biLstmModel(c, Params.fromArrays(readExact(file, biLstmParamShapes(c)))),
      head,
      ...base,
    };
  }
  throw new Error(`${cfgSrc}: unknown or incomplete model_type '${modelType}'`);
}
