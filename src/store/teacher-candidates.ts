// Saved checkpoints that can teach the current task, for the Teacher panel's "Saved checkpoint"
// list: a run's trained teacher, or the best checkpoint of a dense BERT run, saved on the same task
// (the same task reference: embedded with its seed, the same files, URLs or Hub dataset). The worker
// checks the checkpoint itself again (task spec, labels, architecture) when the run starts.
import type { RunConfig, TaskRef } from '../config/run-config';
import { jsonEqual } from '../config/url';
import { roleName, type RunRecord } from '../storage';

/** One saved checkpoint as a possible teacher. */
export interface TeacherCandidate {
  key: string;
  runName: string;
  role: 'teacher' | 'student';
  /** 'teacher', or 'teacher 2' for a member of a trained ensemble (storage's roleName). */
  roleName: string;
  step: number;
  /** Its dev main metric when it was saved, if evaluated. */
  dev: number | null;
  bytes: number;
}

/** Why a run's checkpoints cannot teach, or null if its dense-BERT checkpoints can. */
function studentKind(config: RunConfig): string | null {
  const k = config.student?.kind;
  if (k === undefined || k === 'bert') return null;
  return k === 'kron-bert' ? 'KroneckerBERT' : k === 'textcnn' ? 'TextCNN' : 'BiLSTM';
}

/**
 * The checkpoints of `runs` that can teach a run on `task`, best first by dev metric, and how many
 * others were left out (another task, or not a dense BERT).
 */
export function teacherCandidates(
  runs: readonly RunRecord[],
  task: TaskRef,
): { candidates: TeacherCandidate[]; excluded: number } {
  const candidates: TeacherCandidate[] = [];
  let excluded = 0;
  for (const r of runs) {
    for (const m of r.checkpoints) {
      const teacher = m.role === 'teacher';
      const best = m.label === 'best' || m.label === 'best+final';
      if (!teacher && !best) continue;
      if (!jsonEqual(r.config.task, task) || (!teacher && studentKind(r.config) !== null)) {
        excluded += 1;
        continue;
      }
      candidates.push({
        key: m.key,
        runName: r.config.name,
        role: teacher ? 'teacher' : 'student',
        roleName: roleName(m),
        step: m.step,
        dev: m.metricsSummary.best?.main ?? m.metricsSummary.dev?.main ?? null,
        bytes: m.bytes,
      });
    }
  }
  const dev = (c: TeacherCandidate): number => c.dev ?? -Number.MAX_VALUE;
  candidates.sort((a, b) => dev(b) - dev(a));
  return { candidates, excluded };
}
