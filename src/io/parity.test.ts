// Parity with a reference implementation (STYLE R13): a tiny random BERT written by
// scripts/parity/make_fixture.py (PyTorch, Hugging Face BertForSequenceClassification math) is read
// through our safetensors reader and Hugging Face importer; our encoder must reproduce its logits,
// hidden states, pre-softmax scores and attention probabilities within 1e-4, from F32, F16 and BF16
// weight files alike.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../cli/node-backend';
import { bertForward, Params } from '../model';
import { importHfBert } from './hf-bert';
import { filesFromMap } from './sources';

const DIR = new URL('../../test/fixtures/parity/', import.meta.url);
const read = (path: string): Uint8Array => new Uint8Array(readFileSync(new URL(path, DIR)));

interface BertFixture {
  reference: string;
  ids: number[][];
  typeIds: number[][];
  mask: number[][];
  logits: number[][];
  hidden: number[][][][];
  scores: number[][][][][];
  probs: number[][][][][];
}
const fixture = JSON.parse(new TextDecoder().decode(read('bert-tiny.json'))) as BertFixture;

/** The fixture's files, with `weights` served as model.safetensors. */
function files(weights: string) {
  return filesFromMap(
    new Map<string, Uint8Array>([
      ['config.json', read('bert-tiny/config.json')],
      ['vocab.txt', read('bert-tiny/vocab.txt')],
      ['model.safetensors', read(`bert-tiny/${weights}`)],
    ]),
    'parity/bert-tiny',
  );
}

function maxAbsDiff(ours: tf.Tensor, theirs: unknown): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(ours, tf.tensor(theirs as number[])))).dataSync()[0]!);
}

beforeAll(async () => {
  await useNodeBackend('cpu');
});

describe('parity with the PyTorch reference BERT', () => {
  it.each(['model.safetensors', 'model-f16.safetensors', 'model-bf16.safetensors'])(
    '%s: logits, hidden states, scores and probabilities within 1e-4',
    async (weights) => {
      const imported = await importHfBert(files(weights));
      expect(imported.initialised).toEqual([]);
      expect(imported.vocab?.slice(0, 3)).toEqual(['[PAD]', '[UNK]', '[CLS]']);
      expect(imported.head.labels).toEqual(['negative', 'neutral', 'positive']);
      const p = Params.fromArrays(imported.arrays);
      const B = fixture.ids.length;
      const T = fixture.ids[0]!.length;
      const batch = {
        ids: tf.tensor2d(fixture.ids.flat(), [B, T], 'int32'),
        typeIds: tf.tensor2d(fixture.typeIds.flat(), [B, T], 'int32'),
        mask: tf.tensor2d(fixture.mask.flat(), [B, T]),
      };
      const errors = tf.tidy(() => {
        const o = bertForward(p, imported.config, batch, { training: false });
        return {
          logits: maxAbsDiff(o.logits, fixture.logits),
          hidden: Math.max(...o.hidden.map((h, i) => maxAbsDiff(h, fixture.hidden[i]))),
          scores: Math.max(...o.scores.map((s, i) => maxAbsDiff(s, fixture.scores[i]))),
          probs: Math.max(...o.attentions.map((a, i) => maxAbsDiff(a, fixture.probs[i]))),
        };
      });
      console.log(`${weights} vs ${fixture.reference}: max |Δ| ${JSON.stringify(errors)}`);
      expect(errors.logits).toBeLessThan(1e-4);
      expect(errors.hidden).toBeLessThan(1e-4);
      expect(errors.scores).toBeLessThan(1e-4);
      expect(errors.probs).toBeLessThan(1e-4);
      p.dispose();
      tf.dispose([batch.ids, batch.typeIds, batch.mask]);
    },
  );
});
