// Checkpoint keys and migration: a schema-0 record (tfjs-io layout) becomes a schema-1 record with
// the same tensors; malformed, truncated and future records are refused with their reason.
import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../config/defaults';
import {
  checkpointKey,
  CKPT_SCHEMA,
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

  it('refuses malformed schema-1 records and newer schemas', () => {
    const good = migrateCheckpoint(v0Record());
    const wrongBytes: CheckpointRecord = {
      ...good,
      weights: { w: { shape: [3], dtype: 'float32', data: new ArrayBuffer(8) } },
    };
    expect(() => migrateCheckpoint(wrongBytes)).toThrow(/malformed checkpoint: weights\.w/);
    expect(() => migrateCheckpoint({ ...good, schema: 2 })).toThrow(/schema 2 is newer/);
    expect(() => migrateCheckpoint('nope')).toThrow(/not a schema-0 checkpoint/);
  });

  it('refuses a run record of a newer schema with that reason', () => {
    expect(() => readRunRecord({ schema: 9, id: 'x' })).toThrow(/run schema 9 is newer/);
    expect(() => readRunRecord({ schema: 1, id: 'x' })).toThrow(/malformed run record/);
  });
});
