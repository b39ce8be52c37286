// Export formats: metrics CSV (golden text), run JSON (valid files parse, bad ones fail with their
// path; fast-check: any input either parses or throws StorageError('invalid')), and checkpoint
// safetensors round trips through src/io's reader and writer.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../config/defaults';
import { parseSafetensors, writeSafetensors } from '../io/safetensors';
import type { EvalPoint, TrainPoint } from '../protocol';
import { bertConfig } from '../model/config';
import { StorageError } from './db';
import {
  arraysFromWeights,
  checkpointFromSafetensors,
  checkpointToSafetensors,
  metricsToCsv,
  parseRunExport,
  runExportToJson,
  weightsFromArrays,
  type RunExport,
} from './export';
import { CKPT_SCHEMA, type CheckpointRecord } from './schema';

const train: TrainPoint[] = [
  { step: 1, loss: 0.75, lr: 0.001, gradNorm: 2.5, terms: { ce: 0.5, kd: 0.25 }, stage: 'anneal' },
  { step: 2, loss: 0.5, lr: 0.002, gradNorm: 1, terms: { ce: 0.25, kd: 0.25 }, stage: 'anneal' },
  { step: 3, loss: 0.25, lr: 0.001, gradNorm: 0.5, stage: 'labels, "phase 2"' },
];
const evals: EvalPoint[] = [
  { step: 2, loss: 0.6, metrics: { accuracy: 0.75, f1: 0.5 }, main: 0.75 },
  { step: 4, loss: 0.4, metrics: { accuracy: 0.875 }, main: 0.875 },
];

describe('metricsToCsv', () => {
  it('writes one row per step with loss terms and dev metrics as columns', () => {
    // prettier-ignore
    expect(metricsToCsv(train, evals)).toBe([
      'step,loss,lr,grad_norm,stage,loss_ce,loss_kd,dev_loss,dev_main,dev_accuracy,dev_f1',
      '1,0.75,0.001,2.5,anneal,0.5,0.25,,,,',
      '2,0.5,0.002,1,anneal,0.25,0.25,0.6,0.75,0.75,0.5',
      '3,0.25,0.001,0.5,"labels, ""phase 2""",,,,,,',
      '4,,,,,,,0.4,0.875,0.875,',
      '',
    ].join('\n'));
  });

  it('has just the header for a run without metrics', () => {
    expect(metricsToCsv([], [])).toBe('step,loss,lr,grad_norm,stage,dev_loss,dev_main\n');
  });
});

function exportOf(): RunExport {
  return {
    format: 'distillery-run',
    version: 1,
    exportedAt: '2025-01-01T00:00:00.000Z',
    run: {
      id: 'run-a',
      createdAt: 1,
      updatedAt: 2,
      config: defaultRunConfig(),
      status: 'done',
      summary: {
        step: 4,
        totalSteps: 4,
        lastLoss: 0.25,
        best: evals[1]!,
        final: evals[1]!,
        wallSec: 3,
        backend: 'wasm',
        error: null,
      },
      checkpoints: [],
    },
    metrics: { train, evals },
  };
}

describe('run JSON', () => {
  it('round-trips through its JSON text', () => {
    const e = exportOf();
    expect(parseRunExport(runExportToJson(e))).toEqual(e);
  });

  it('names the file and the path of each problem', () => {
    const e = exportOf();
    const bad = JSON.parse(runExportToJson(e));
    bad.run.config.train.lr = -1;
    bad.metrics.train[1].loss = 'high';
    expect(() => parseRunExport(JSON.stringify(bad), 'my-run.json')).toThrow(
      /my-run\.json: not a valid run export:\n {2}run\.config: train\.lr: .*\n {2}metrics\.train\.1\.loss: /,
    );
  });

  it('says what is wrong with the wrong kind of file', () => {
    expect(() => parseRunExport('{"a":', 'x.json')).toThrow(/x\.json: not a JSON file/);
    expect(() => parseRunExport('[]', 'x.json')).toThrow(/not a Distillery run export/);
    const v2 = { ...exportOf(), version: 2 };
    expect(() => parseRunExport(JSON.stringify(v2), 'x.json')).toThrow(
      /run export version 2; this app reads version 1/,
    );
    const crossField = JSON.parse(runExportToJson(exportOf()));
    crossField.run.config.model.heads = 3;
    expect(() => parseRunExport(JSON.stringify(crossField))).toThrow(/divisible/);
  });

  it('fast-check: any text either parses to a valid export or throws StorageError(invalid)', () => {
    const valid = runExportToJson(exportOf());
    const mutated = fc
      .tuple(fc.nat({ max: valid.length - 1 }), fc.nat({ max: 40 }), fc.string({ maxLength: 8 }))
      .map(([at, cut, insert]) => valid.slice(0, at) + insert + valid.slice(at + cut));
    const anyJson = fc.jsonValue().map((v) => JSON.stringify(v));
    const wrongTypes = fc
      .jsonValue()
      .map((v) => JSON.stringify({ ...exportOf(), metrics: { train: v, evals: [] } }));
    fc.assert(
      fc.property(fc.oneof(mutated, anyJson, wrongTypes), (text) => {
        let parsed: RunExport;
        try {
          parsed = parseRunExport(text, 'f.json');
        } catch (e) {
          expect(e).toBeInstanceOf(StorageError);
          expect(e instanceof StorageError && e.kind).toBe('invalid');
          expect(e instanceof Error && e.message).toMatch(/^f\.json: /);
          return;
        }
        // What parses is a complete export.
        expect(parsed.format).toBe('distillery-run');
        expect(Array.isArray(parsed.metrics.train)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

function record(): CheckpointRecord {
  const weights = weightsFromArrays(
    new Map([
      [
        'bert.embeddings.word_embeddings.weight',
        { shape: [3, 2], data: new Float32Array([1, -2, 3.5, 0, 1e-8, 7]) },
      ],
      ['classifier.bias', { shape: [2], data: new Float32Array([0.5, -0.5]) }],
    ]),
  );
  return {
    schema: CKPT_SCHEMA,
    key: 'kd/run-a/step-7',
    runId: 'run-a',
    role: 'student',
    label: 'best',
    createdAt: Date.UTC(2025, 0, 2),
    step: 7,
    runConfig: defaultRunConfig(),
    metricsSummary: { trainLoss: 0.3, dev: evals[0]!, best: evals[0]! },
    weights,
    optimizer: null,
    bytes: 32,
    tokenizer: { vocab: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'fine'], lowercase: true },
    task: {
      id: 'sst2',
      name: 'SST-2',
      kind: 'classification',
      numLabels: 2,
      labelNames: ['negative', 'positive'],
      pair: false,
      metrics: ['accuracy'],
      mainMetric: 'accuracy',
    },
  };
}

describe('checkpoint safetensors', () => {
  it('round-trips weights, step, role, config, summary, vocabulary and task', () => {
    const r = record();
    const bytes = checkpointToSafetensors(r);
    const file = parseSafetensors(bytes);
    expect(file.metadata['format']).toBe('pt');
    expect([...file.tensors.keys()]).toEqual([
      'bert.embeddings.word_embeddings.weight',
      'classifier.bias',
    ]);
    const back = checkpointFromSafetensors(bytes);
    expect(back.notes).toEqual([]);
    expect(back.step).toBe(7);
    expect(back.role).toBe('student');
    expect(back.runConfig).toEqual(r.runConfig);
    expect(back.metricsSummary).toEqual(r.metricsSummary);
    expect(back.tokenizer).toEqual(r.tokenizer);
    expect(back.task).toEqual(r.task);
    expect(back.arch).toBeNull();
    const arrays = arraysFromWeights(back.weights);
    expect(arrays.get('bert.embeddings.word_embeddings.weight')).toEqual({
      shape: [3, 2],
      data: new Float32Array([1, -2, 3.5, 0, 1e-8, 7]),
    });
  });

  it("round-trips a Hugging Face teacher's encoder configuration (arch)", () => {
    const arch = bertConfig(
      {
        layers: 2,
        hidden: 16,
        heads: 2,
        intermediate: 32,
        hiddenDropout: 0.1,
        attentionDropout: 0.1,
      },
      6,
      2,
    );
    const r: CheckpointRecord = {
      ...record(),
      role: 'teacher',
      arch: { ...arch, layerNormEps: 1e-5 },
    };
    const back = checkpointFromSafetensors(checkpointToSafetensors(r));
    expect(back.notes).toEqual([]);
    expect(back.role).toBe('teacher');
    expect(back.arch).toEqual(r.arch);
  });

  it('reads a plain safetensors file (no metadata) as weights alone', () => {
    const bytes = writeSafetensors(
      new Map([['w', { shape: [2], data: new Float32Array([1, 2]) }]]),
    );
    const w = checkpointFromSafetensors(bytes, 'hf.safetensors');
    expect(w.runConfig).toBeNull();
    expect(w.step).toBeNull();
    expect([...new Float32Array(w.weights['w']!.data)]).toEqual([1, 2]);
  });

  it('reports bad metadata as notes and a bad file as StorageError with the file name', () => {
    const bytes = writeSafetensors(new Map([['w', { shape: [1], data: new Float32Array([1]) }]]), {
      'distillery.step': 'x',
      'distillery.run_config': '{"schema":1}',
    });
    const w = checkpointFromSafetensors(bytes);
    expect(w.notes).toHaveLength(2);
    expect(w.runConfig).toBeNull();
    expect(() => checkpointFromSafetensors(bytes.slice(0, 20), 'cut.safetensors')).toThrow(
      /^cut\.safetensors: truncated/,
    );
  });

  it('weightsFromArrays copies, checks sizes; arraysFromWeights views', () => {
    const src = new Float32Array([1, 2, 3, 4]);
    const w = weightsFromArrays(new Map([['a', { shape: [2, 2], data: src }]]));
    src[0] = 99;
    expect(new Float32Array(w['a']!.data)[0]).toBe(1);
    expect(() => weightsFromArrays(new Map([['a', { shape: [3], data: src }]]))).toThrow(
      /tensor 'a': 4 values for shape \[3\]/,
    );
  });
});
