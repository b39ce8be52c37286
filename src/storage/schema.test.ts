// Checkpoint keys and migration: a schema-0 record (tfjs-io layout) and a schema-1 record become
// schema-2 records with the same tensors; malformed, truncated and future records are refused with
// their reason.
import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../config/defaults';
import {
  checkpointKey,
  CKPT_SCHEMA,
  roleName,
  migrateCheckpoint,
  newRunId,
  readRunRecord,
  RUN_ID,
  type CheckpointRecord,
} from './schema';

function v0Record(extraBytes = 0) {
  const a = new Float32Array([1, 2, 3, 4, 5, 6]);
  const b = new Float32Array([-1.5, 0.25]);
  const data = new Uint8Array(a.byteLength + b.byteLength + extraBytes);
  data.set(new Uint8Array(a.buffer), 0);
  data.set(new Uint8Array(b.buffer), a.byteLength);
  return {
    runId: 'run-1',
    step: 40,
    createdAt: 1700000000000,
    config: defaultRunConfig(),
    weightSpecs: [
      { name: 'encoder.layer.0.attention.self.query.weight', shape: [2, 3], dtype: 'float32' },
      { name: 'classifier.bias', shape: [2], dtype: 'float32' },
    ],
    weightData: data.buffer,
  };
}

describe('checkpoint keys', () => {
  it('follow kd/<runId>/step-<n>, with teachers under teacher/', () => {
    expect(checkpointKey('abc', 12)).toBe('kd/abc/step-12');
    expect(checkpointKey('abc', 0, 'teacher')).toBe('kd/abc/teacher/step-0');
    // Members of a trained teacher ensemble: member 0 keeps the single teacher's key.
    expect(checkpointKey('abc', 7, 'teacher', 0)).toBe('kd/abc/teacher/step-7');
    expect(checkpointKey('abc', 7, 'teacher', 1)).toBe('kd/abc/teacher-2/step-7');
    expect(() => checkpointKey('abc', 7, 'student', 1)).toThrow(/only a teacher/);
    expect(() => checkpointKey('abc', 7, 'teacher', -1)).toThrow(/bad ensemble member/);
    expect(roleName({ role: 'student' })).toBe('');
    expect(roleName({ role: 'teacher' })).toBe('teacher');
    expect(roleName({ role: 'teacher', member: 0 })).toBe('teacher 1');
    expect(() => checkpointKey('a/b', 1)).toThrow(/bad run id/);
    expect(() => checkpointKey('a', -1)).toThrow(/bad step/);
  });

  it('new run ids are valid and distinct', () => {
    const ids = new Set(Array.from({ length: 50 }, () => newRunId()));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(RUN_ID);
  });
});

describe('migrateCheckpoint', () => {
  it('upgrades a schema-0 record: tensors split by spec, key, role and summary filled in', () => {
    const r = migrateCheckpoint(v0Record());
    expect(r.schema).toBe(CKPT_SCHEMA);
    expect(r.key).toBe('kd/run-1/step-40');
    expect(r.role).toBe('student');
    expect(r.optimizer).toBeNull();
    expect(r.runConfig).toEqual(defaultRunConfig());
    expect(r.bytes).toBe(32);
    const q = r.weights['encoder.layer.0.attention.self.query.weight']!;
    expect(q.shape).toEqual([2, 3]);
    expect([...new Float32Array(q.data)]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...new Float32Array(r.weights['classifier.bias']!.data)]).toEqual([-1.5, 0.25]);
    // A migrated record is a valid current record.
    expect(migrateCheckpoint(r)).toEqual(r);
  });

  it('refuses a schema-0 record whose data does not match its specs', () => {
    expect(() => migrateCheckpoint(v0Record(4), 'ckpt A')).toThrow(
      /ckpt A: schema-0 weightData has 4 bytes no spec describes/,
    );
    const short = { ...v0Record(), weightData: new ArrayBuffer(8) };
    expect(() => migrateCheckpoint(short)).toThrow(/needs bytes 0\.\.24/);
  });

  it('refuses a schema-0 record with an invalid config', () => {
    const bad = { ...v0Record(), config: { ...defaultRunConfig(), train: { steps: 0 } } };
    expect(() => migrateCheckpoint(bad)).toThrow(/schema-0 config is not a valid run config/);
  });

  it('refuses malformed records and newer schemas', () => {
    const good = migrateCheckpoint(v0Record());
    const wrongBytes: CheckpointRecord = {
      ...good,
      weights: { w: { shape: [3], dtype: 'float32', data: new ArrayBuffer(8) } },
    };
    expect(() => migrateCheckpoint(wrongBytes)).toThrow(/malformed checkpoint: weights\.w/);
    expect(() => migrateCheckpoint({ ...good, schema: 3 })).toThrow(/schema 3 is newer/);
    expect(() =>
      migrateCheckpoint({ ...good, tokenizer: { vocab: ['a'], lowercase: true } }),
    ).toThrow(/malformed checkpoint: tokenizer\.vocab/);
    expect(() => migrateCheckpoint('nope')).toThrow(/not a schema-0 checkpoint/);
  });

  it('upgrades a schema-1 record (no vocabulary or task) to schema 2 with both null', () => {
    const { tokenizer: _t, task: _k, ...rest } = migrateCheckpoint(v0Record());
    const v1 = { ...rest, schema: 1 };
    const r = migrateCheckpoint(v1);
    expect(r.schema).toBe(2);
    expect(r.tokenizer).toBeNull();
    expect(r.task).toBeNull();
    expect(r.weights).toStrictEqual(rest.weights);
    // A schema-1 record with schema-2 fields is malformed, not silently accepted.
    expect(() => migrateCheckpoint({ ...v1, task: null })).toThrow(/malformed checkpoint/);
  });

  it("keeps a schema-2 record's vocabulary and task", () => {
    const task = {
      id: 'sst2',
      name: 'SST-2',
      kind: 'classification' as const,
      numLabels: 2,
      labelNames: ['negative', 'positive'],
      pair: false,
      metrics: ['accuracy' as const],
      mainMetric: 'accuracy' as const,
    };
    const tokenizer = {
      vocab: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a'],
      lowercase: true,
    };
    const r = migrateCheckpoint({ ...migrateCheckpoint(v0Record()), tokenizer, task });
    expect(r.tokenizer).toEqual(tokenizer);
    expect(r.task).toEqual(task);
  });

  it('refuses a run record of a newer schema with that reason', () => {
    expect(() => readRunRecord({ schema: 9, id: 'x' })).toThrow(/run schema 9 is newer/);
    expect(() => readRunRecord({ schema: 1, id: 'x' })).toThrow(/malformed run record/);
  });
});
