// Fixtures for the store tests (not used by the app): a Worker stand-in that records what the
// page posts and lets a test emit the worker's messages and crashes, and a two-label task spec.
import type { TaskData, TaskSpec } from '../data/types';
import type { FromWorker, ToWorker } from '../protocol';
import type { WorkerEventLike, WorkerLike } from './bridge';

type Listener = (event: WorkerEventLike) => void;

/** A Worker stand-in: records posts (structured-cloned, as postMessage does) and listeners. */
export class FakeWorker implements WorkerLike {
  posted: ToWorker[] = [];
  listeners: Array<{ type: string; fn: Listener }> = [];
  terminated = false;
  postMessage(message: ToWorker): void {
    this.posted.push(structuredClone(message));
  }
  addEventListener(type: 'message' | 'error', fn: Listener): void {
    this.listeners.push({ type, fn });
  }
  terminate(): void {
    this.terminated = true;
  }
  /** Delivers `data` to the message listeners, as a message from the worker. */
  emit(data: FromWorker | unknown): void {
    for (const l of this.listeners) if (l.type === 'message') l.fn({ data });
  }
  /** Delivers an uncaught worker error (a crash) to the error listeners. */
  crash(message: string): void {
    for (const l of this.listeners) if (l.type === 'error') l.fn({ message });
  }
}

/** A single-sentence classification spec with labels neg and pos, scored by accuracy. */
export function negPosSpec(id: string, name: string): TaskSpec {
  return {
    id,
    name,
    kind: 'classification',
    numLabels: 2,
    labelNames: ['neg', 'pos'],
    pair: false,
    metrics: ['accuracy'],
    mainMetric: 'accuracy',
  };
}

/** The smallest task a store test loads: two train rows ('good', 'bad') and one dev row. */
export function tinyTask(): TaskData {
  return {
    spec: negPosSpec('t', 'T'),
    train: [
      { a: 'good', label: 1 },
      { a: 'bad', label: 0 },
    ],
    dev: [{ a: 'fine', label: 1 }],
    source: 'test',
  };
}
