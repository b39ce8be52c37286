// Export and re-import: every model kind round-trips with identical logits; a BERT export has the
// config.json keys and tensor names transformers' BertForSequenceClassification loads; a
// KroneckerBERT export names its factors and describes them; summaries travel in the config.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../cli/node-backend';
import { kronPresetSpec, modelPreset } from '../config/presets';
import { bertConfig, bertModel, createStudent, Params, type Model } from '../model';
import { exportModel, importCheckpoint, modelConfigJson } from './checkpoint';
import { importHfBert } from './hf-bert';
import { parseSafetensors } from './safetensors';
import { filesFromMap } from './sources';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

const bert = bertConfig(modelPreset('bert-mini')!, 50, 3, { maxPositions: 16 });
const VOCAB = [
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  '[MASK]',
  ...Array.from({ length: 45 }, (_, i) => `t${i}`),
];

function kronSpec() {
  const s = kronPresetSpec('kron-mini-8x')!;
  return s.kind === 'kron-bert' ? { ...s, init: 'random' as const } : s;
}

const MODELS: Array<[string, () => Model]> = [
  ['bert', () => createStudent({ kind: 'bert' }, bert, 1)],
  ['kron-bert', () => createStudent(kronSpec(), bert, 2)],
  [
    'textcnn',
    () =>
      createStudent(
        { kind: 'textcnn', embed: 16, filters: 8, widths: [2, 3], dropout: 0.1 },
        bert,
        3,
      ),
  ],
  ['bilstm', () => createStudent({ kind: 'bilstm', embed: 16, hidden: 12, dropout: 0.1 }, bert, 4)],
];

const batch = () => ({
  ids: tf.tensor2d([2, 7, 9, 11, 3, 0, 2, 5, 3, 0, 0, 0], [2, 6], 'int32'),
  typeIds: tf.zeros([2, 6], 'int32') as tf.Tensor2D,
  mask: tf.tensor2d([1, 1, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0], [2, 6]),
});

function logits(m: Model): number[][] {
  const b = batch();
  const out = tf.tidy(() => m.forward(b, { training: false }).logits.arraySync());
  tf.dispose([b.ids, b.typeIds, b.mask]);
  return out;
}

describe('exportModel → importCheckpoint', () => {
  it.each(MODELS)('%s round-trips with identical logits', async (kind, make) => {
    const m = make();
    const files = await exportModel(m, {
      labels: ['neg', 'mid', 'pos'],
      vocab: VOCAB,
      lowercase: true,
    });
    expect([...files.keys()].sort()).toEqual([
      'config.json',
      'model.safetensors',
      'tokenizer_config.json',
      'vocab.txt',
    ]);
    const back = await importCheckpoint(filesFromMap(files, kind));
    expect(back.model.kind).toBe(kind);
    expect(back.head.labels).toEqual(['neg', 'mid', 'pos']);
    expect(back.vocab).toEqual(VOCAB);
    expect(back.lowercase).toBe(true);
    expect(back.model.summary()).toMatchObject({ params: m.summary().params });
    expect(logits(back.model)).toEqual(logits(m));
    back.model.dispose();
    m.dispose();
  });

  it('F16 exports are half the size and close', async () => {
    const m = MODELS[0]![1]();
    const f32 = await exportModel(m);
    const f16 = await exportModel(m, { dtype: 'F16' });
    const size = (f: Map<string, Uint8Array | string>) =>
      (f.get('model.safetensors') as Uint8Array).length;
    expect(size(f16)).toBeLessThan(0.51 * size(f32));
    const back = await importCheckpoint(filesFromMap(f16));
    const [a, b] = [logits(m), logits(back.model)];
    a.flat().forEach((x, i) => expect(Math.abs(x - b.flat()[i]!)).toBeLessThan(5e-3));
    back.model.dispose();
    m.dispose();
  });
});

describe('the exported BERT', () => {
  it('has the config keys and tensor names of BertForSequenceClassification', async () => {
    const m = MODELS[0]![1]();
    const files = await exportModel(m, { labels: ['neg', 'mid', 'pos'] });
    const config = JSON.parse(files.get('config.json') as string) as Record<string, unknown>;
    expect(config).toMatchObject({
      architectures: ['BertForSequenceClassification'],
      model_type: 'bert',
      hidden_size: 256,
      num_hidden_layers: 4,
      num_attention_heads: 4,
      intermediate_size: 1024,
      hidden_act: 'gelu',
      max_position_embeddings: 16,
      type_vocab_size: 2,
      vocab_size: 50,
      layer_norm_eps: 1e-12,
      num_labels: 3,
      id2label: { '0': 'neg', '1': 'mid', '2': 'pos' },
      label2id: { neg: 0, mid: 1, pos: 2 },
      problem_type: 'single_label_classification',
      position_embedding_type: 'absolute',
    });
    expect(config['distillery']).toMatchObject({
      kind: 'bert',
      params: m.summary().params,
      flops_seq_len: 128,
    });
    const st = parseSafetensors(files.get('model.safetensors') as Uint8Array);
    expect(st.metadata).toEqual({ format: 'pt' }); // transformers refuses safetensors without it
    expect(st.tensors.get('bert.encoder.layer.3.attention.self.query.weight')!.shape).toEqual([
      256, 256,
    ]);
    expect(st.tensors.get('classifier.weight')!.shape).toEqual([3, 256]);
    // …and reloads through the Hugging Face importer with identical logits.
    const back = await importHfBert(filesFromMap(files));
    expect(back.initialised).toEqual([]);
    const reloaded = bertModel(back.config, Params.fromArrays(back.arrays));
    expect(logits(reloaded)).toEqual(logits(m));
    reloaded.dispose();
    m.dispose();
  });

  it('writes problem_type regression for a one-output head', () => {
    const m = createStudent({ kind: 'bert' }, { ...bert, numLabels: 1 }, 1);
    expect(modelConfigJson(m)).toMatchObject({
      num_labels: 1,
      problem_type: 'regression',
      id2label: { '0': 'LABEL_0' },
    });
    m.dispose();
  });
});

describe('the exported KroneckerBERT', () => {
  it('names its factors, describes them, and states its compression', async () => {
    const m = MODELS[1]![1]();
    const files = await exportModel(m);
    const config = JSON.parse(files.get('config.json') as string) as Record<string, unknown>;
    expect(config['model_type']).toBe('kronecker-bert');
    expect(config['kronecker']).toMatchObject({
      embedding: { n: 8, sums: 1 },
      attention: { m1: 128, n1: 64, sums: 1 },
      ffn_up: { m1: 8, n1: 2, sums: 1 },
      ffn_down: { m1: 2, n1: 8, sums: 1 },
    });
    const d = config['distillery'] as Record<string, number>;
    expect(d['compression']).toBeCloseTo(d['teacher_params']! / d['params']!, 10);
    expect(d['compression']).toBeGreaterThan(3);
    const st = parseSafetensors(files.get('model.safetensors') as Uint8Array);
    expect(st.tensors.get('bert.encoder.layer.0.attention.self.query.kron_a')!.shape).toEqual([
      1, 128, 64,
    ]);
    expect(st.tensors.get('bert.encoder.layer.0.attention.self.query.kron_b')!.shape).toEqual([
      1, 2, 4,
    ]);
    expect(st.tensors.get('bert.embeddings.word_embeddings.kron_b')!.shape).toEqual([1, 1, 8]);
    expect(st.tensors.has('bert.encoder.layer.0.attention.self.query.weight')).toBe(false);
    m.dispose();
  });

  it('refuses a checkpoint whose tensors do not match its config', async () => {
    const m = MODELS[1]![1]();
    const files = await exportModel(m);
    const config = JSON.parse(files.get('config.json') as string) as Record<
      string,
      Record<string, unknown>
    >;
    config['kronecker']!['attention'] = { m1: 64, n1: 64, sums: 1 };
    files.set('config.json', JSON.stringify(config));
    await expect(importCheckpoint(filesFromMap(files, 'k'))).rejects.toThrow(
      "k/model.safetensors: tensor 'bert.encoder.layer.0.attention.self.query.kron_a' is [1,128,64], the config implies [1,64,64]",
    );
    m.dispose();
  });
});
