// Which runs can resume exactly from a resume point (pure: the worker refuses by it, the page says
// why a Resume button is missing). A resume point holds the student's weights, the method's own
// trainable variables (projections), AdamW's state, the step and the stage's best so far, and the
// state a method or add-on keeps beyond them (MethodRuntime.saveState, SWA's average); the data
// order is a function of (seed, epoch) and dropout of (seed, step), so that is the whole state of
// the methods below. A method, add-on or teacher whose state is not in it is refused with the
// reason, never resumed wrong. Each method allowed here is covered by the resume-equivalence tests
// (src/train/resume.test.ts): the resumed losses and final weights equal the uninterrupted run's.
import type { RunConfig } from './run-config';

/**
 * KD methods that resume exactly, each covered by an equivalence test: their state is the
 * weights, extra variables, optimiser and what `MethodRuntime.saveState` returns (a kind added
 * later is refused until it is listed here with its test).
 */
export const RESUMABLE_METHODS: readonly string[] = [
  'none',
  'vanilla',
  'annealing',
  'continuation',
  'intermediate',
  'teacher-relabel',
  'small-loss',
  'universal',
  'rw-kd',
  'glitter',
  'kronecker',
  'combined',
  'pro-kd',
];

/**
 * KD config keys whose training state a resume point holds, or that hold none: Glitter's
 * augmentation pool (and the MLM generator that makes it) is a function of the seed and the
 * training split, rebuilt on resume; SWA's running average θ̄ and its count are saved in the point.
 */
const RESUMABLE_KD_KEYS: readonly string[] = ['method', 'teacher', 'labelNoise', 'glitter', 'swa'];

/**
 * Null when a run of `config` can resume from a resume point and reproduce the uninterrupted run;
 * otherwise the reason it cannot, as a sentence for the page. Covers the teacher too: a teacher
 * trained in the run is reloaded from its teacher checkpoint (an ensemble from one per member), a
 * saved checkpoint that teaches from its key, a Hugging Face model from the Hub downloaded again,
 * one from picked files from the teacher checkpoint the run saved of it at its start
 * (src/train/resume-run.ts); a teacher handed in from outside the run (the CLI's) is not kept to
 * reload.
 */
export function resumeRefusal(config: RunConfig): string | null {
  const state = stateResumeRefusal(config);
  if (state) return state;
  const kd = config.kd;
  const t = kd?.teacher;
  // A teacher MLM-pretrained first resumes too: its checkpoint holds the fine-tuned teacher, which
  // is all the methods read (KroneckerBERT's stage-1 MLM term only starts the student's own head
  // from the teacher's, and that head is trained state in the resume point).
  const teacherUsed = kd?.method.kind !== 'none' || config.student?.kind === 'kron-bert';
  if (t && teacherUsed) {
    // A Hub model is downloaded again on resume (a failed download or another model refuses it
    // then, in the worker); one from picked files is reloaded from the teacher checkpoint the run
    // saved of it at its start (a run whose save failed is refused then, in the worker).
    if (t.source === 'provided') {
      return 'This run cannot resume: its teacher was handed in from outside the run, and only a teacher trained in the run, a saved checkpoint or a Hugging Face model is reloaded on resume';
    }
  }
  return null;
}

/**
 * The part of `resumeRefusal` about the training state alone (method and add-ons), for the
 * training loop, which is handed the teacher: null when weights, extra variables, optimiser,
 * step and best so far are the run's whole state.
 */
export function stateResumeRefusal(config: RunConfig): string | null {
  const kd = config.kd;
  if (!kd) return null;
  const kind = kd.method.kind;
  if (!RESUMABLE_METHODS.includes(kind)) {
    return `KD method '${kind}' cannot resume: its state beyond the weights and optimiser is not saved (methods that resume: ${RESUMABLE_METHODS.join(', ')})`;
  }
  for (const [key, value] of Object.entries(kd)) {
    if (value === undefined || RESUMABLE_KD_KEYS.includes(key)) continue;
    return `This run cannot resume: the add-on kd.${key} keeps state that is not saved`;
  }
  return null;
}
