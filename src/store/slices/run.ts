// Run slice: the current run's id, phase, preparation summary, latest progress, outcome and error;
// and the backend slice: what the worker chose at `init`. Pure updaters; the bridge applies them.
import type { BackendName, BackendPref } from '../../config/run-config';
import type { BackendInfo, EvalPoint, Progress, RunPhase, RunPrepared } from '../../protocol';

/** 'idle' before the first run; otherwise the worker's phase of the current run. */
export type UiPhase = 'idle' | RunPhase;

/** An error shown in the run panel: where it arose and what happened. */
export interface RunError {
  where: 'init' | 'config' | 'data' | 'teacher' | 'training' | 'worker';
  message: string;
}

/** A finished run's outcome, from the worker's `done`. */
export interface RunOutcome {
  best: EvalPoint | null;
  final: EvalPoint | null;
  wallSec: number;
}

export interface RunSlice {
  /** Id of the current (or last) run; messages for other ids are dropped. */
  runId: string | null;
  phase: UiPhase;
  /** Free text that came with the phase (e.g. what is being prepared). */
  detail: string | null;
  prepared: RunPrepared | null;
  progress: Progress | null;
  outcome: RunOutcome | null;
  error: RunError | null;
}

export const initialRunSlice: RunSlice = {
  runId: null,
  phase: 'idle',
  detail: null,
  prepared: null,
  progress: null,
  outcome: null,
  error: null,
};

export interface BackendSlice {
  /** What the user asked for (mirrors config.backend). */
  pref: BackendPref;
  /** 'starting' between `init` and `ready` (or error). */
  status: 'starting' | 'ready' | 'failed';
  /** The backend the worker chose, from `ready`. */
  info: BackendInfo | null;
  /** Backends the worker can use here. */
  available: BackendName[];
  error: string | null;
}

export const initialBackendSlice: BackendSlice = {
  pref: 'auto',
  status: 'starting',
  info: null,
  available: [],
  error: null,
};

const ACTIVE: ReadonlySet<UiPhase> = new Set<UiPhase>([
  'preparing',
  'compiling',
  'training',
  'paused',
]);

/** Whether a run is under way (it holds the worker): preparing, compiling, training or paused. */
export function isActive(phase: UiPhase): boolean {
  return ACTIVE.has(phase);
}

/** Whether the phase is a run's end: done, stopped or failed. */
export function isTerminal(phase: UiPhase): boolean {
  return phase === 'done' || phase === 'stopped' || phase === 'failed';
}

/** Which run controls are usable in a phase. */
export interface RunControls {
  canStart: boolean;
  canPause: boolean;
  canResume: boolean;
  canStop: boolean;
}

/**
 * Enabled controls: start when no run is active (and the backend is ready), pause while training,
 * resume while paused, stop while any run is active.
 */
export function runControls(phase: UiPhase, backendReady: boolean): RunControls {
  return {
    canStart: backendReady && !isActive(phase),
    canPause: phase === 'training',
    canResume: phase === 'paused',
    canStop: isActive(phase),
  };
}

/** The run slice of a run just started: 'preparing', with everything from the last run cleared. */
export function runStarted(runId: string): RunSlice {
  return { ...initialRunSlice, runId, phase: 'preparing' };
}

/**
 * Applies a phase from the worker. A terminal phase is final: a late 'training' or 'paused' after
 * 'stopped' (a batch already in flight) does not revive the run.
 */
export function withPhase(run: RunSlice, phase: RunPhase, detail: string | null): RunSlice {
  if (isTerminal(run.phase) && !isTerminal(phase)) return run;
  return { ...run, phase, detail };
}

/** The label the UI shows for a phase. */
export function phaseLabel(phase: UiPhase): string {
  switch (phase) {
    case 'idle':
      return 'idle';
    case 'preparing':
      return 'preparing data and model…';
    case 'compiling':
      return 'compiling kernels… (the first step; 10+ s on software WebGPU)';
    case 'training':
      return 'training';
    case 'paused':
      return 'paused';
    case 'done':
      return 'done';
    case 'stopped':
      return 'stopped';
    case 'failed':
      return 'failed';
  }
}
