// `npm run train -- --task sst2 --data ../shared/data/glue/SST-2 [flags]`: trains a BERT encoder
// with the same core as the browser worker and prints JSON lines (prepared, train, eval, done).
import { writeFileSync } from 'node:fs';
import type { BackendName } from '../config/run-config';
import { runTraining } from '../train/loop';
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
} as const;

const emit = (event: string, body: object) =>
  process.stdout.write(`${JSON.stringify({ event, ...body })}\n`);

async function main(): Promise<void> {
  const { values, options } = parseCli(process.argv.slice(2), EXTRA);
  if (values['help']) {
    process.stdout.write(helpText('npm run train -- [flags]', options));
    return;
  }
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const config = parseRunConfig(buildConfig(values, str('config')));
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
  const result = await runTraining(config, data, {
    backend,
    hooks: {
      prepared: (info) => emit('prepared', info),
      train: (points) =>
        points
          .filter((p) => p.step % logEvery === 0 || p.step === 1)
          .forEach((p) => emit('train', p)),
      evaluated: (e) => emit('eval', e),
    },
  });
  const summary = {
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
