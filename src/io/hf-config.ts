// config.json in and out. BERT uses Hugging Face's BertConfig keys (so an export loads in
// transformers as BertForSequenceClassification); KroneckerBERT adds a `kronecker` block that
// describes its factors; TextCNN and BiLSTM get their own model_type. Every export also carries a
// `distillery` block: parameter count, FLOPs per token and, for compressed models, compression.
import { z } from 'zod';
import type { KronFactors } from '../config/student';
import type { BertConfig } from '../model';

const posInt = z.number().int().positive();
const prob = z.number().min(0).max(1);

/** The keys of Hugging Face's BertConfig that shape the encoder (unknown keys are ignored). */
export const hfBertConfigSchema = z.object({
  model_type: z.string().optional(),
  vocab_size: posInt,
  hidden_size: posInt,
  num_hidden_layers: posInt,
  num_attention_heads: posInt,
  intermediate_size: posInt,
  hidden_act: z.string().default('gelu'),
  hidden_dropout_prob: prob.default(0.1),
  attention_probs_dropout_prob: prob.default(0.1),
  max_position_embeddings: posInt.default(512),
  type_vocab_size: posInt.default(2),
  initializer_range: z.number().positive().default(0.02),
  layer_norm_eps: z.number().positive().default(1e-12),
  pad_token_id: z.number().int().min(0).nullable().default(0),
  position_embedding_type: z.string().default('absolute'),
  num_labels: posInt.optional(),
  id2label: z.record(z.string(), z.string()).optional(),
  problem_type: z.string().nullable().optional(),
});

/** What a config.json says beyond the shape: label names and the problem type. */
export interface HfHead {
  /** Label names by class index, when the config names them. */
  labels: string[] | null;
  /** Classes of the classifier the config describes (1 = regression). */
  numLabels: number;
  problemType: 'regression' | 'single_label_classification' | 'multi_label_classification' | null;
}

function fail(source: string, why: string): never {
  throw new Error(`${source}: ${why}`);
}

/** Label names from id2label ({"0": "neg", "1": "pos"}), or null if absent or not 0..n−1. */
function labelsOf(id2label: Record<string, string> | undefined): string[] | null {
  if (!id2label) return null;
  const n = Object.keys(id2label).length;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = id2label[String(i)];
    if (name === undefined) return null;
    out.push(name);
  }
  return out;
}

/**
 * The BertConfig a Hugging Face config.json describes, and its head. Rejects what our encoder does
 * not compute: another model_type, an activation other than exact GELU, relative position embeddings.
 */
export function bertConfigFromHf(
  json: unknown,
  source: string,
): { config: BertConfig; head: HfHead } {
  const parsed = hfBertConfigSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    fail(
      source,
      `not a BERT config.json: ${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : ''}`,
    );
  }
  const c = parsed.data;
  if (c.model_type !== undefined && c.model_type !== 'bert') {
    fail(
      source,
      `model_type '${c.model_type}' is not 'bert' (only BERT checkpoints import as BERT)`,
    );
  }
  if (c.hidden_act !== 'gelu') {
    fail(
      source,
      `hidden_act '${c.hidden_act}' is not supported (the encoder computes exact GELU, 'gelu')`,
    );
  }
  if (c.position_embedding_type !== 'absolute') {
    fail(
      source,
      `position_embedding_type '${c.position_embedding_type}' is not supported (only 'absolute')`,
    );
  }
  if (c.hidden_size % c.num_attention_heads !== 0) {
    fail(
      source,
      `hidden_size ${c.hidden_size} is not divisible by num_attention_heads ${c.num_attention_heads}`,
    );
  }
  const head = hfHeadFrom(c);
  return {
    config: {
      vocabSize: c.vocab_size,
      hiddenSize: c.hidden_size,
      numHiddenLayers: c.num_hidden_layers,
      numAttentionHeads: c.num_attention_heads,
      intermediateSize: c.intermediate_size,
      maxPositionEmbeddings: c.max_position_embeddings,
      typeVocabSize: c.type_vocab_size,
      hiddenDropoutProb: c.hidden_dropout_prob,
      attentionProbsDropoutProb: c.attention_probs_dropout_prob,
      layerNormEps: c.layer_norm_eps,
      initializerRange: c.initializer_range,
      numLabels: head.numLabels,
      padTokenId: c.pad_token_id ?? 0,
    },
    head,
  };
}

const headSchema = z.object({
  num_labels: posInt.optional(),
  id2label: z.record(z.string(), z.string()).optional(),
  problem_type: z.string().nullable().optional(),
});

/**
 * The head a config.json describes: num_labels (else the size of id2label, else 2, as transformers
 * defaults), label names from id2label when they are 0..n−1, and the problem type.
 */
export function hfHeadFrom(json: unknown): HfHead {
  const parsed = headSchema.safeParse(json);
  const c = parsed.success ? parsed.data : {};
  const labels = labelsOf(c.id2label);
  const numLabels = c.num_labels ?? labels?.length ?? 2;
  const problemType =
    c.problem_type === 'regression' ||
    c.problem_type === 'single_label_classification' ||
    c.problem_type === 'multi_label_classification'
      ? c.problem_type
      : null;
  return { labels: labels && labels.length === numLabels ? labels : null, numLabels, problemType };
}

/** Options shared by every exported config.json. */
export interface HeadOptions {
  /** Label names by class index (default LABEL_0, LABEL_1, … as transformers names them). */
  labels?: readonly string[];
}

/** The label keys of a config.json: num_labels, id2label, label2id and problem_type. */
export function hfHeadJson(numLabels: number, opts: HeadOptions = {}): Record<string, unknown> {
  const names = Array.from({ length: numLabels }, (_, i) => opts.labels?.[i] ?? `LABEL_${i}`);
  return {
    num_labels: numLabels,
    id2label: Object.fromEntries(names.map((n, i) => [String(i), n])),
    label2id: Object.fromEntries(names.map((n, i) => [n, i])),
    problem_type: numLabels === 1 ? 'regression' : 'single_label_classification',
  };
}

/**
 * A config.json that transformers loads as BertForSequenceClassification (the standard BertConfig
 * keys; exact GELU, absolute positions).
 */
export function hfBertConfigJson(c: BertConfig, opts: HeadOptions = {}): Record<string, unknown> {
  return {
    architectures: ['BertForSequenceClassification'],
    model_type: 'bert',
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    num_hidden_layers: c.numHiddenLayers,
    num_attention_heads: c.numAttentionHeads,
    intermediate_size: c.intermediateSize,
    hidden_act: 'gelu',
    hidden_dropout_prob: c.hiddenDropoutProb,
    attention_probs_dropout_prob: c.attentionProbsDropoutProb,
    max_position_embeddings: c.maxPositionEmbeddings,
    type_vocab_size: c.typeVocabSize,
    initializer_range: c.initializerRange,
    layer_norm_eps: c.layerNormEps,
    pad_token_id: c.padTokenId,
    position_embedding_type: 'absolute',
    classifier_dropout: null,
    use_cache: true,
    torch_dtype: 'float32',
    ...hfHeadJson(c.numLabels, opts),
  };
}

const factorSchema = z.strictObject({ m1: posInt, n1: posInt, sums: posInt });

/** The `kronecker` block of a KroneckerBERT config.json. */
export const kroneckerJsonSchema = z.object({
  embedding: z.strictObject({ n: posInt, sums: posInt }).nullable(),
  attention: factorSchema.nullable(),
  ffn_up: factorSchema.nullable(),
  ffn_down: factorSchema.nullable(),
});

/** Factors → the `kronecker` block (with a description of the tensor layout for other readers). */
export function kroneckerJson(f: KronFactors): Record<string, unknown> {
  return {
    embedding: f.embedding,
    attention: f.attention,
    ffn_up: f.ffnUp,
    ffn_down: f.ffnDown,
    layout:
      'For each factored matrix W [out, in] (PyTorch Linear layout) the checkpoint holds ' +
      '<name>.kron_a [r, m1, n1] and <name>.kron_b [r, m2, n2] instead of <name>.weight, with ' +
      'W = sum_r kron(kron_a[r], kron_b[r]), i.e. W[i*m2+k, j*n2+l] = sum_r A[r,i,j]*B[r,k,l]; ' +
      'y = x W^T + bias. The word embedding [V, H] is factored the same way with m1 = V, ' +
      'n1 = H/n, m2 = 1, n2 = n (row i = kron(A[i], B)).',
  };
}

/** The `kronecker` block → factors. */
export function kronFactorsFromJson(json: unknown, source: string): KronFactors {
  const parsed = kroneckerJsonSchema.safeParse(json);
  if (!parsed.success)
    fail(source, `invalid 'kronecker' block: ${parsed.error.issues[0]?.message ?? ''}`);
  const k = parsed.data;
  return { embedding: k.embedding, attention: k.attention, ffnUp: k.ffn_up, ffnDown: k.ffn_down };
}
