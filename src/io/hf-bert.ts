// Import a Hugging Face BERT: config.json → BertConfig, model.safetensors → our parameters (names
// are a table: BertForSequenceClassification's equal ours; BertModel's lack the `bert.` prefix;
// TF-converted checkpoints call LayerNorm's weight/bias gamma/beta; PyTorch Linear is [out, in] as
// ours, so no transposes), vocab.txt or tokenizer.json → the WordPiece vocabulary.
import { z } from 'zod';
import { parseVocab } from '../data';
import { bertParamShapes, type BertConfig, type ParamArray } from '../model';
import { hashString, makeRng } from '../util/rng';
import { bertConfigFromHf, type HfHead } from './hf-config';
import { parseSafetensors, type SafetensorsFile } from './safetensors';
import { readJson, readText, type WeightFiles } from './sources';

/**
 * Our name for a Hugging Face BERT tensor name, or null for tensors outside the encoder and its
 * classification head (MLM/NSP heads `cls.*`, the `position_ids` buffer, …).
 */
export function hfBertName(name: string): string | null {
  let n = name.startsWith('bert.') ? name.slice(5) : name;
  n = n
    .replace(/\.LayerNorm\.gamma$/, '.LayerNorm.weight')
    .replace(/\.LayerNorm\.beta$/, '.LayerNorm.bias');
  if (n === 'embeddings.position_ids') return null;
  if (/^(embeddings|encoder|pooler)\./.test(n)) return `bert.${n}`;
  if (n === 'classifier.weight' || n === 'classifier.bias') return n;
  return null;
}

/** Parameters the importer may create when a checkpoint lacks them (BertModel has no classifier). */
const OPTIONAL = /^(bert\.pooler\.|classifier\.)/;

/** What came out of a checkpoint's tensors. */
export interface BertWeights {
  arrays: Map<string, ParamArray>;
  /** Parameters initialised fresh (seeded, BERT's init): a missing pooler or classifier, or a classifier of another label count. */
  initialised: string[];
  /** Float tensors outside the encoder (e.g. the MLM head `cls.predictions.*`), by their own names. */
  extras: Map<string, ParamArray>;
  /** Tensors skipped: non-float buffers such as position_ids. */
  ignored: string[];
}

/** BERT's init for one parameter (same per-name streams as initBertArrays). */
function freshParam(name: string, shape: number[], c: BertConfig, seed: number): ParamArray {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  if (name.endsWith('.weight')) {
    const rng = makeRng(seed, hashString(name));
    for (let i = 0; i < size; i++) data[i] = rng.normal() * c.initializerRange;
  }
  return { shape, data };
}

/**
 * Maps a checkpoint's tensors onto the parameters of `c`. Throws naming missing tensors (other than
 * the pooler and classifier, which are initialised fresh with `seed`) and tensors of the wrong shape.
 */
export function bertWeightsFrom(file: SafetensorsFile, c: BertConfig, seed = 0): BertWeights {
  const shapes = bertParamShapes(c);
  const arrays = new Map<string, ParamArray>();
  const extras = new Map<string, ParamArray>();
  const ignored: string[] = [];
  const initialised: string[] = [];
  const from = new Map<string, string>();
  for (const [name, info] of file.tensors) {
    const ours = hfBertName(name);
    const isFloat = info.dtype === 'F32' || info.dtype === 'F16' || info.dtype === 'BF16';
    if (ours === null) {
      if (isFloat) extras.set(name, { shape: info.shape, data: file.read(name) });
      else ignored.push(name);
      continue;
    }
    if (!shapes.has(ours)) {
      throw new Error(
        `${file.source}: tensor '${name}' has no place in a model of this config.json (more layers?)`,
      );
    }
    const prev = from.get(ours);
    if (prev) throw new Error(`${file.source}: both '${prev}' and '${name}' map to '${ours}'`);
    from.set(ours, name);
    const want = shapes.get(ours)!;
    if (want.join() !== info.shape.join()) {
      if (ours.startsWith('classifier.')) continue; // another task's head: re-initialised below
      throw new Error(
        `${file.source}: tensor '${name}' is [${info.shape}], the config implies [${want}]`,
      );
    }
    arrays.set(ours, { shape: info.shape.slice(), data: file.read(name) });
  }
  const missing = [...shapes.keys()].filter((n) => !arrays.has(n) && !OPTIONAL.test(n));
  if (missing.length > 0) {
    const list =
      missing.slice(0, 5).join(', ') + (missing.length > 5 ? `, … (${missing.length} in all)` : '');
    throw new Error(`${file.source}: missing tensors ${list} (is this a BERT checkpoint?)`);
  }
  for (const [name, shape] of shapes) {
    if (arrays.has(name)) continue;
    arrays.set(name, freshParam(name, shape, c, seed));
    initialised.push(name);
  }
  return { arrays, initialised, extras, ignored };
}

const tokenizerJsonSchema = z.object({
  normalizer: z.object({ lowercase: z.boolean().optional() }).passthrough().nullable().optional(),
  model: z
    .object({ type: z.string().optional(), vocab: z.record(z.string(), z.number().int().min(0)) })
    .passthrough(),
});

/**
 * The WordPiece vocabulary (index = id) and lower-casing of a tokenizer.json. Throws naming the file
 * when the model is not WordPiece or the ids are not exactly 0..n−1.
 */
export function parseTokenizerJson(
  text: string,
  source: string,
): { vocab: string[]; lowercase: boolean | null } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: not valid JSON (${e instanceof Error ? e.message : String(e)})`, {
      cause: e,
    });
  }
  const parsed = tokenizerJsonSchema.safeParse(json);
  if (!parsed.success)
    throw new Error(`${source}: no model.vocab (not a tokenizers tokenizer.json?)`);
  const { model, normalizer } = parsed.data;
  if (model.type !== undefined && model.type !== 'WordPiece') {
    throw new Error(`${source}: the tokenizer model is ${model.type}, not WordPiece`);
  }
  const entries = Object.entries(model.vocab);
  const vocab = new Array<string>(entries.length);
  for (const [token, id] of entries) {
    if (id >= entries.length || vocab[id] !== undefined) {
      throw new Error(
        `${source}: vocabulary ids are not 0..${entries.length - 1} (id ${id} of ${JSON.stringify(token)})`,
      );
    }
    vocab[id] = token;
  }
  return { vocab, lowercase: normalizer?.lowercase ?? null };
}

/** A BERT imported from Hugging Face files. */
export interface ImportedBert extends BertWeights {
  config: BertConfig;
  head: HfHead;
  /** WordPiece vocabulary (index = id), from vocab.txt or tokenizer.json; null if neither exists. */
  vocab: string[] | null;
  /** Lower-case input (tokenizer.json / tokenizer_config.json), null when the files do not say. */
  lowercase: boolean | null;
}

export interface ImportOptions {
  /** Classes the task needs; a checkpoint head of another size is re-initialised. */
  numLabels?: number;
  /** Seed of any parameter initialised fresh. */
  seed?: number;
}

/**
 * Imports config.json, model.safetensors and the vocabulary (vocab.txt, else tokenizer.json) of a
 * Hugging Face BERT. Errors name the file and what is wrong.
 */
export async function importHfBert(
  files: WeightFiles,
  opts: ImportOptions = {},
): Promise<ImportedBert> {
  const src = (name: string) => `${files.source}/${name}`;
  const json = await readJson(files, 'config.json');
  if (json === null) throw new Error(`${src('config.json')}: not found`);
  const { config, head } = bertConfigFromHf(json, src('config.json'));
  if (opts.numLabels !== undefined) config.numLabels = opts.numLabels;
  const bytes = await files.get('model.safetensors');
  if (bytes === null) {
    throw new Error(
      `${src('model.safetensors')}: not found (only safetensors weights are read, not pytorch_model.bin)`,
    );
  }
  const weights = bertWeightsFrom(
    parseSafetensors(bytes, src('model.safetensors')),
    config,
    opts.seed ?? 0,
  );
  let vocab: string[] | null = null;
  let lowercase: boolean | null = null;
  const vocabText = await readText(files, 'vocab.txt');
  if (vocabText !== null) vocab = parseVocab(vocabText, src('vocab.txt'));
  else {
    const tok = await readText(files, 'tokenizer.json');
    if (tok !== null) ({ vocab, lowercase } = parseTokenizerJson(tok, src('tokenizer.json')));
  }
  if (lowercase === null) {
    const tc = await readJson(files, 'tokenizer_config.json');
    const lower = z.object({ do_lower_case: z.boolean() }).safeParse(tc);
    if (lower.success) lowercase = lower.data.do_lower_case;
  }
  if (vocab !== null && vocab.length > config.vocabSize) {
    throw new Error(
      `${files.source}: the vocabulary has ${vocab.length} tokens but the model only ${config.vocabSize} rows`,
    );
  }
  return { ...weights, config, head, vocab, lowercase };
}
