// `npm run train -- --task sst2 --data ../shared/data/glue/SST-2 [flags]`: trains a BERT encoder
// with the same core as the browser worker and prints JSON lines (prepared, train, eval, done).
import { writeFileSync } from 'node:fs';
import { modelPreset } from '../config/presets';
import { KRON_PRESETS, kronPresetSpec } from '../config/student';
import type { BackendName, RunConfig } from '../config/run-config';
import { isMethodPreset, METHOD_PRESETS, methodPreset } from '../kd';
import { pretrainMlm, runTraining } from '../train/loop';
import { parseRunConfig } from '../config/validate';
import { buildConfig, helpText, nodeBackend, parseCli } from './args';
import { loadTaskForCli } from './load-task';
import { useNodeBackend } from './node-backend';

const EXTRA = {
  task: { type: 'string', help: "'embedded' (default) or a GLUE id (sst2, cola, mrpc, stsb, ...)" },
  data: { type: 'string', help: 'directory with train.tsv and dev.tsv' },
  train: { type: 'string', help: 'training file (instead of --data)' },
  dev: { type: 'string', help: 'dev file (instead of --data)' },
  'max-train': { type: 'string', help: 'use only the first N training examples' },
  config: { type: 'string', help: 'RunConfig JSON file (flags override it)' },
  backend: { type: 'string', help: 'cpu | wasm (default) | webgpu (Dawn)' },
  'log-every': { type: 'string', help: 'print every Nth step (default 10)' },
  out: { type: 'string', help: 'write the final summary JSON to this file' },
  kd: { type: 'string', help: 'distil with a method preset (src/kd/presets.ts), e.g. vanilla' },
  student: {
    type: 'string',
    help: 'KroneckerBERT student preset (e.g. kron-mini-4x), NKP-initialised from a teacher of the model shape; --preset defaults to its teacher shape',
  },
  'teacher-preset': {
    type: 'string',
    help: 'teacher architecture preset (default bert-L4-H128; with --student, the model shape)',
  },
  'teacher-steps': { type: 'string', help: "teacher's training steps (default 2x --steps)" },
  'teacher-lr': { type: 'string', help: "teacher's peak learning rate (default --lr)" },
  'teacher-mlm-steps': {
    type: 'string',
    help: 'MLM pre-training steps of the teacher (default 0)',
  },
  'footprint-every': {
    type: 'string',
    help: 'teacher snapshot period for Pro-KD (default steps/4)',
  },
  'mlm-steps': {
    type: 'string',
    help: 'MLM pre-train the model on the training text first (steps)',
  },
  'mlm-lr': { type: 'string', help: 'learning rate of that MLM pre-training (default 1e-3)' },
} as const;

/** kd from --kd and the teacher flags: a method preset with a teacher trained first. */
function kdFromFlags(config: RunConfig, str: (k: string) => string | undefined): RunConfig['kd'] {
  const name = str('kd');
  if (name === undefined) return config.kd;
  if (!isMethodPreset(name)) {
    throw new Error(
      `--kd: unknown method preset '${name}'; one of ${Object.keys(METHOD_PRESETS).join(', ')}`,
    );
  }
  // A KroneckerBERT keeps its teacher's shape: by default the teacher is the run's dense model.
  const kron = config.student?.kind === 'kron-bert';
  const presetName = str('teacher-preset');
  const model =
    presetName !== undefined
      ? modelPreset(presetName)
      : kron
        ? { ...config.model }
        : modelPreset('bert-L4-H128');
  if (!model) throw new Error(`--teacher-preset: unknown preset '${presetName}'`);
  const num = (flag: string, fallback: number) => {
    const v = str(flag);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${flag} expects a number, got '${v}'`);
    return n;
  };
  const steps = num('teacher-steps', 2 * config.train.steps);
  const mlmSteps = num('teacher-mlm-steps', 0);
  return {
    ...methodPreset(name),
    teacher: {
      source: 'train',
      model,
      train: {
        ...config.train,
        steps,
        lr: num('teacher-lr', config.train.lr),
        evalEvery: Math.max(1, Math.floor(steps / 8)),
        seed: config.train.seed + 100,
      },
      footprintEvery: num('footprint-every', Math.max(1, Math.floor(steps / 4))),
      ...(mlmSteps > 0
        ? { mlm: { steps: mlmSteps, lr: 1e-3, batchSize: config.train.batchSize, maskProb: 0.15 } }
        : {}),
    },
  };
}

const emit = (event: string, body: object) =>
  process.stdout.write(`${JSON.stringify({ event, ...body })}\n`);

async function main(): Promise<void> {
  const { values, options } = parseCli(process.argv.slice(2), EXTRA);
  if (values['help']) {
    process.stdout.write(helpText('npm run train -- [flags]', options));
    return;
  }
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  // --student: a KroneckerBERT preset; its teacher's shape is the model's unless --preset is given
  // (shape flags such as --layers still override it).
  const studentName = str('student');
  const studentSpec = studentName === undefined ? undefined : kronPresetSpec(studentName);
  if (studentName !== undefined && !studentSpec) {
    throw new Error(
      `--student: unknown KroneckerBERT preset '${studentName}'; one of ${Object.keys(KRON_PRESETS).join(', ')}`,
    );
  }
  if (studentName !== undefined && values['preset'] === undefined) {
    values['preset'] = KRON_PRESETS[studentName]!.teacher;
  }
  const built = buildConfig(values, str('config'));
  if (studentSpec) built.student = studentSpec;
  built.kd = kdFromFlags(built, str);
  const config = parseRunConfig(built);
  const task = str('task') ?? 'embedded';
  const maxTrain = str('max-train');
  const data = await loadTaskForCli({
    task,
    data: str('data'),
    train: str('train'),
    dev: str('dev'),
    seed: config.train.seed,
    maxTrain: maxTrain === undefined ? undefined : Number(maxTrain),
  });
  config.task =
    task === 'embedded'
      ? { source: 'embedded', seed: config.train.seed }
      : { source: 'file', task, files: [data.source] };
  const backend: BackendName = await useNodeBackend(nodeBackend(str('backend'), 'wasm'));
  const logEvery = Number(str('log-every') ?? 10);
  emit('config', { backend, task: data.spec.id, source: data.source, config });
  const mlmSteps = Number(str('mlm-steps') ?? 0);
  const initialWeights =
    mlmSteps > 0
      ? await pretrainMlm(
          config,
          data,
          {
            steps: mlmSteps,
            lr: Number(str('mlm-lr') ?? 1e-3),
            batchSize: config.train.batchSize,
            maskProb: 0.15,
          },
          {
            backend,
            hooks: { phase: (_p, detail) => detail && process.stderr.write(`${detail}\n`) },
          },
        )
      : undefined;
  const result = await runTraining(config, data, {
    backend,
    initialWeights,
    hooks: {
      phase: (phase, detail) => {
        if (phase === 'preparing' && detail) process.stderr.write(`${detail}\n`);
      },
      prepared: (info) => emit('prepared', info),
      train: (points) =>
        points
          .filter((p) => p.step % logEvery === 0 || p.step === 1)
          .forEach((p) => emit('train', p)),
      evaluated: (e) => emit('eval', e),
    },
  });
  const summary = {
    ...(result.teacher ? { teacher: result.teacher } : {}),
    best: result.best,
    final: result.final,
    wallSec: result.wallSec,
    stepsPerSec: result.train.length / result.wallSec,
    stopped: result.stopped,
  };
  emit('done', summary);
  if (str('out'))
    writeFileSync(
      str('out')!,
      `${JSON.stringify({ config, task: data.spec.id, ...summary }, null, 2)}\n`,
    );
  result.model.dispose();
}

main().catch((e: unknown) => {
  process.stderr.write(`train: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
