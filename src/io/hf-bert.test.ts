// Hugging Face BERT import: the name table (BertModel names without `bert.`, legacy gamma/beta,
// MLM-head extras, the position_ids buffer), fresh heads, tokenizer.json vocabularies, clear errors,
// and loading from Hub URLs served by a local fixture server (never the network).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureServer, type FixtureServer } from '../../test/fixtures/fixture-server';
import { bertConfigFromHf } from './hf-config';
import { hfBertName, importHfBert, parseTokenizerJson } from './hf-bert';
import { parseSafetensors, writeSafetensors, type TensorToWrite } from './safetensors';
import { filesFromMap, filesFromPicked, hubFiles, hubFileUrl } from './sources';

const DIR = new URL('../../test/fixtures/parity/bert-tiny/', import.meta.url);
const read = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, DIR)));
const CONFIG = JSON.parse(new TextDecoder().decode(read('config.json'))) as Record<string, unknown>;
const VOCAB = new TextDecoder().decode(read('vocab.txt')).trim().split('\n');

/** The fixture's tensors, renamed by `rename` (undefined drops a tensor). */
function renamed(rename: (name: string) => string | undefined): Map<string, TensorToWrite> {
  const f = parseSafetensors(read('model.safetensors'));
  const out = new Map<string, TensorToWrite>();
  for (const [name, t] of f.tensors) {
    const to = rename(name);
    if (to !== undefined) out.set(to, { shape: t.shape, data: f.read(name) });
  }
  return out;
}

/** A safetensors file with one extra I64 tensor (position_ids, as older checkpoints store it). */
function withPositionIds(tensors: Map<string, TensorToWrite>): Uint8Array {
  const base = parseSafetensors(writeSafetensors(tensors));
  const header: Record<string, unknown> = {};
  let offset = 0;
  const chunks: Uint8Array[] = [];
  for (const [name, t] of base.tensors) {
    const bytes = new Uint8Array(new Float32Array(base.read(name)).buffer);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  header['embeddings.position_ids'] = {
    dtype: 'I64',
    shape: [1, 2],
    data_offsets: [offset, offset + 16],
  };
  chunks.push(new Uint8Array(16));
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + offset + 16);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

const files = (weights: Uint8Array, extra: Array<[string, string | Uint8Array]> = []) =>
  filesFromMap(
    new Map<string, string | Uint8Array>([
      ['config.json', JSON.stringify(CONFIG)],
      ['model.safetensors', weights],
      ...extra,
    ]),
    'ckpt',
  );

describe('hfBertName', () => {
  it.each([
    [
      'bert.encoder.layer.0.attention.self.query.weight',
      'bert.encoder.layer.0.attention.self.query.weight',
    ],
    [
      'encoder.layer.0.attention.self.query.weight',
      'bert.encoder.layer.0.attention.self.query.weight',
    ],
    ['embeddings.LayerNorm.gamma', 'bert.embeddings.LayerNorm.weight'],
    ['bert.encoder.layer.1.output.LayerNorm.beta', 'bert.encoder.layer.1.output.LayerNorm.bias'],
    ['pooler.dense.bias', 'bert.pooler.dense.bias'],
    ['classifier.weight', 'classifier.weight'],
    ['bert.embeddings.position_ids', null],
    ['cls.predictions.transform.dense.weight', null],
    ['qa_outputs.weight', null],
  ])('%s → %s', (from, to) => expect(hfBertName(from)).toBe(to));
});

describe('importHfBert', () => {
  it('reads BertModel names, legacy LayerNorm names, keeps the MLM head aside and skips buffers', async () => {
    const tensors = renamed((n) =>
      n.startsWith('classifier') || n.startsWith('bert.pooler')
        ? undefined
        : n
            .replace(/^bert\./, '')
            .replace(/LayerNorm\.weight$/, 'LayerNorm.gamma')
            .replace(/LayerNorm\.bias$/, 'LayerNorm.beta'),
    );
    tensors.set('cls.predictions.bias', { shape: [40], data: new Float32Array(40).fill(0.5) });
    const b = await importHfBert(files(withPositionIds(tensors)), { seed: 3 });
    expect(b.initialised.sort()).toEqual([
      'bert.pooler.dense.bias',
      'bert.pooler.dense.weight',
      'classifier.bias',
      'classifier.weight',
    ]);
    expect(b.ignored).toEqual(['embeddings.position_ids']);
    expect([...b.extras.keys()]).toEqual(['cls.predictions.bias']);
    const ref = parseSafetensors(read('model.safetensors'));
    expect(b.arrays.get('bert.embeddings.LayerNorm.weight')!.data).toEqual(
      ref.read('bert.embeddings.LayerNorm.weight'),
    );
    expect(b.arrays.get('classifier.weight')!.shape).toEqual([3, 32]);
    expect(b.arrays.get('classifier.bias')!.data.every((x) => x === 0)).toBe(true);
    expect(b.vocab).toBeNull();
  });

  it('re-initialises a classifier trained for another label count', async () => {
    const b = await importHfBert(files(read('model.safetensors')), { numLabels: 5 });
    expect(b.config.numLabels).toBe(5);
    expect(b.initialised).toEqual(['classifier.weight', 'classifier.bias']);
    expect(b.arrays.get('classifier.weight')!.shape).toEqual([5, 32]);
  });

  it('takes the vocabulary from tokenizer.json when there is no vocab.txt', async () => {
    const tok = JSON.stringify({
      normalizer: { type: 'BertNormalizer', lowercase: true },
      model: { type: 'WordPiece', vocab: Object.fromEntries(VOCAB.map((t, i) => [t, i])) },
    });
    const b = await importHfBert(files(read('model.safetensors'), [['tokenizer.json', tok]]));
    expect(b.vocab).toEqual(VOCAB);
    expect(b.lowercase).toBe(true);
    const c = await importHfBert(
      files(read('model.safetensors'), [
        ['vocab.txt', read('vocab.txt')],
        ['tokenizer_config.json', '{"do_lower_case": false}'],
      ]),
    );
    expect(c.vocab).toEqual(VOCAB);
    expect(c.lowercase).toBe(false);
  });

  it('says what is wrong with a checkpoint it cannot use', async () => {
    const noLayer = renamed((n) =>
      n.startsWith('bert.encoder.layer.1.output.dense') ? undefined : n,
    );
    await expect(importHfBert(files(writeSafetensors(noLayer)))).rejects.toThrow(
      'ckpt/model.safetensors: missing tensors bert.encoder.layer.1.output.dense.weight, bert.encoder.layer.1.output.dense.bias (is this a BERT checkpoint?)',
    );
    const wrong = renamed((n) => n);
    wrong.set('bert.pooler.dense.weight', { shape: [16, 64], data: new Float32Array(1024) });
    await expect(importHfBert(files(writeSafetensors(wrong)))).rejects.toThrow(
      "ckpt/model.safetensors: tensor 'bert.pooler.dense.weight' is [16,64], the config implies [32,32]",
    );
    const extraLayer = renamed((n) => n);
    extraLayer.set('bert.encoder.layer.2.output.dense.bias', {
      shape: [32],
      data: new Float32Array(32),
    });
    await expect(importHfBert(files(writeSafetensors(extraLayer)))).rejects.toThrow(
      /has no place in a model of this config\.json/,
    );
    const both = renamed((n) => n);
    both.set('pooler.dense.bias', { shape: [32], data: new Float32Array(32) });
    await expect(importHfBert(files(writeSafetensors(both)))).rejects.toThrow(
      "ckpt/model.safetensors: both 'bert.pooler.dense.bias' and 'pooler.dense.bias' map to 'bert.pooler.dense.bias'",
    );
    await expect(
      importHfBert(filesFromMap(new Map([['config.json', JSON.stringify(CONFIG)]]), 'ckpt')),
    ).rejects.toThrow(
      'ckpt/model.safetensors: not found (only safetensors weights are read, not pytorch_model.bin)',
    );
    await expect(importHfBert(filesFromMap(new Map(), 'ckpt'))).rejects.toThrow(
      'ckpt/config.json: not found',
    );
  });

  it('rejects configs the encoder does not compute', () => {
    expect(() => bertConfigFromHf({ ...CONFIG, model_type: 'roberta' }, 'c')).toThrow(
      "c: model_type 'roberta' is not 'bert' (only BERT checkpoints import as BERT)",
    );
    expect(() => bertConfigFromHf({ ...CONFIG, hidden_act: 'gelu_new' }, 'c')).toThrow(
      "c: hidden_act 'gelu_new' is not supported (the encoder computes exact GELU, 'gelu')",
    );
    expect(() =>
      bertConfigFromHf({ ...CONFIG, position_embedding_type: 'relative_key' }, 'c'),
    ).toThrow(/only 'absolute'/);
    expect(() => bertConfigFromHf({ ...CONFIG, hidden_size: 30 }, 'c')).toThrow(
      /not divisible by num_attention_heads 4/,
    );
    expect(() => bertConfigFromHf({ hidden_size: 32 }, 'c')).toThrow(
      /^c: not a BERT config\.json: vocab_size/,
    );
    // Defaults as transformers' BertConfig.
    const { config, head } = bertConfigFromHf(
      {
        vocab_size: 10,
        hidden_size: 8,
        num_hidden_layers: 1,
        num_attention_heads: 2,
        intermediate_size: 16,
      },
      'c',
    );
    expect(config.layerNormEps).toBe(1e-12);
    expect(config.maxPositionEmbeddings).toBe(512);
    expect(head).toEqual({ labels: null, numLabels: 2, problemType: null });
  });

  it('rejects tokenizer.json files that are not WordPiece or have holes in their ids', () => {
    expect(() => parseTokenizerJson('{"model": {"type": "BPE", "vocab": {"a": 0}}}', 't')).toThrow(
      't: the tokenizer model is BPE, not WordPiece',
    );
    expect(() => parseTokenizerJson('{"model": {"vocab": {"a": 0, "b": 2}}}', 't')).toThrow(
      /ids are not 0\.\.1 \(id 2 of "b"\)/,
    );
    expect(() => parseTokenizerJson('{"model": {}}', 't')).toThrow('t: no model.vocab');
  });

  it('reads picked files by base name', async () => {
    const picked = [
      {
        name: 'bert-tiny/config.json',
        arrayBuffer: () => Promise.resolve(read('config.json').slice().buffer),
      },
      {
        name: 'bert-tiny/model.safetensors',
        arrayBuffer: () => Promise.resolve(read('model.safetensors').slice().buffer),
      },
      {
        name: 'bert-tiny/vocab.txt',
        arrayBuffer: () => Promise.resolve(read('vocab.txt').slice().buffer),
      },
    ];
    const b = await importHfBert(filesFromPicked(picked));
    expect(b.vocab).toEqual(VOCAB);
    expect(b.config.numHiddenLayers).toBe(2);
  });
});

describe('Hub URLs (local fixture server)', () => {
  let server: FixtureServer;
  const served = new Map<string, Uint8Array>([
    ['/acme/tiny/resolve/main/config.json', read('config.json')],
    ['/acme/tiny/resolve/main/model.safetensors', read('model.safetensors')],
    ['/acme/tiny/resolve/v1.0/config.json', read('config.json')],
  ]);
  beforeAll(async () => {
    server = await startFixtureServer((url) => {
      if (url.pathname.startsWith('/acme/gated/')) return { status: 401, body: 'unauthorized' };
      const body = served.get(url.pathname);
      return body ? { body } : undefined;
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('builds resolve URLs', () => {
    expect(hubFileUrl('google/bert_uncased_L-2_H-128_A-2', 'config.json')).toBe(
      'https://huggingface.co/google/bert_uncased_L-2_H-128_A-2/resolve/main/config.json',
    );
    expect(() => hubFiles('../etc/passwd')).toThrow(
      "'../etc/passwd' is not a Hugging Face repo id",
    );
  });

  it('imports a BERT from Hub URLs, treating 404s as missing files', async () => {
    const b = await importHfBert(hubFiles('acme/tiny', { endpoint: server.base }));
    expect(b.config.hiddenSize).toBe(32);
    expect(b.vocab).toBeNull();
    expect(server.requests).toEqual([
      'GET /acme/tiny/resolve/main/config.json',
      'GET /acme/tiny/resolve/main/model.safetensors',
      'GET /acme/tiny/resolve/main/vocab.txt',
      'GET /acme/tiny/resolve/main/tokenizer.json',
      'GET /acme/tiny/resolve/main/tokenizer_config.json',
    ]);
  });

  it('names the URL on errors: gated repos, missing weights, size limits', async () => {
    await expect(importHfBert(hubFiles('acme/gated', { endpoint: server.base }))).rejects.toThrow(
      `${server.base}/acme/gated/resolve/main/config.json: HTTP 401 Unauthorized (a gated or private repo?)`,
    );
    await expect(
      importHfBert(hubFiles('acme/tiny', { endpoint: server.base, revision: 'v1.0' })),
    ).rejects.toThrow('hub:acme/tiny@v1.0/model.safetensors: not found');
    await expect(
      importHfBert(hubFiles('acme/tiny', { endpoint: server.base, maxBytes: 1000 })),
    ).rejects.toThrow(
      `${server.base}/acme/tiny/resolve/main/model.safetensors: 85980 bytes exceeds the limit of 1000`,
    );
  });

  it('uses the fetch it is given', async () => {
    const seen: string[] = [];
    const fake: typeof fetch = (input) => {
      seen.push(String(input));
      return Promise.resolve(new Response(null, { status: 404 }));
    };
    await expect(importHfBert(hubFiles('acme/tiny', { fetch: fake }))).rejects.toThrow(
      'hub:acme/tiny@main/config.json: not found',
    );
    expect(seen).toEqual(['https://huggingface.co/acme/tiny/resolve/main/config.json']);
  });
});
