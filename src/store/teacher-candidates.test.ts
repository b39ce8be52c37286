// Which saved checkpoints the Teacher panel offers: a run's trained teacher and dense BERT runs'
// best checkpoints on the same task reference, best dev first; finals, other tasks and
// KroneckerBERT / TextCNN students are left out and counted.
import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../config/defaults';
import type { RunConfig, TaskRef } from '../config/run-config';
import type { CheckpointMeta, RunRecord } from '../storage';
import { teacherCandidates } from './teacher-candidates';

const TASK: TaskRef = { source: 'embedded', seed: 1 };

function meta(
  runId: string,
  step: number,
  label: string,
  role: 'student' | 'teacher',
  dev: number | null,
): CheckpointMeta {
  const point = dev === null ? null : { step, loss: 0.5, metrics: { accuracy: dev }, main: dev };
  return {
    key: role === 'teacher' ? `kd/${runId}/teacher/step-${step}` : `kd/${runId}/step-${step}`,
    runId,
    role,
    label,
    createdAt: 0,
    step,
    metricsSummary: { trainLoss: null, dev: point, best: point },
    bytes: 1000 * step,
  };
}

function run(
  id: string,
  checkpoints: CheckpointMeta[],
  edit: (c: RunConfig) => void = () => {},
): RunRecord {
  const config = defaultRunConfig();
  config.name = id;
  config.task = TASK;
  edit(config);
  return {
    schema: 1,
    id,
    createdAt: 0,
    updatedAt: 0,
    config,
    status: 'done',
    summary: {
      step: 0,
      totalSteps: 0,
      lastLoss: null,
      best: null,
      final: null,
      wallSec: 0,
      backend: null,
      error: null,
    },
    checkpoints,
    metrics: { chunks: 0, trainPoints: 0, evalPoints: 0, bytes: 0 },
  } as RunRecord;
}

describe('teacher candidates', () => {
  it('offers teachers and dense best checkpoints of the task, best dev first', () => {
    const runs = [
      run('plain', [
        meta('plain', 30, 'best', 'student', 0.8),
        meta('plain', 40, 'final', 'student', 0.7),
      ]),
      run('kd', [
        meta('kd', 12, 'best', 'teacher', 0.95),
        meta('kd', 20, 'best+final', 'student', 0.6),
      ]),
      run('kron', [meta('kron', 10, 'best', 'student', 0.9)], (c) => {
        c.student = {
          kind: 'kron-bert',
          factors: { embedding: null, attention: null, ffnUp: null, ffnDown: null },
          init: 'random',
        };
      }),
      run('other-task', [meta('other-task', 5, 'best', 'student', 0.99)], (c) => {
        c.task = { source: 'embedded', seed: 2 };
      }),
    ];
    const { candidates, excluded } = teacherCandidates(runs, TASK);
    expect(candidates.map((c) => [c.key, c.role, c.dev])).toEqual([
      ['kd/kd/teacher/step-12', 'teacher', 0.95],
      ['kd/plain/step-30', 'student', 0.8],
      ['kd/kd/step-20', 'student', 0.6],
    ]);
    expect(candidates[1]).toMatchObject({ runName: 'plain', step: 30, bytes: 30_000 });
    expect(excluded).toBe(2); // the KroneckerBERT and the other task; finals are not counted
  });

  it("offers each member of a run's trained teacher ensemble, named by its number", () => {
    const member = (k: number, dev: number): CheckpointMeta => ({
      ...meta('ens', 12, 'best', 'teacher', dev),
      key: k === 0 ? 'kd/ens/teacher/step-12' : `kd/ens/teacher-${k + 1}/step-12`,
      member: k,
    });
    const runs = [run('ens', [member(0, 0.9), member(1, 0.92)])];
    expect(teacherCandidates(runs, TASK).candidates.map((c) => [c.key, c.roleName])).toEqual([
      ['kd/ens/teacher-2/step-12', 'teacher 2'],
      ['kd/ens/teacher/step-12', 'teacher 1'],
    ]);
  });

  it('keeps checkpoints without a dev result, last', () => {
    const runs = [
      run('a', [meta('a', 3, 'best', 'student', null), meta('a', 6, 'best', 'teacher', 0.5)]),
    ];
    expect(teacherCandidates(runs, TASK).candidates.map((c) => c.dev)).toEqual([0.5, null]);
  });
});
