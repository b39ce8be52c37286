// `npm run experiment -- <preset> [flags]`: runs a list of KD methods on one task with the same
// teacher, student and seeds (src/kd/experiments.ts) and writes the table as JSON and markdown to
// reports/ (or --out), rewriting both after every method so a long run leaves partial results.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { BackendName } from '../config/run-config';
import { generateEmbeddedTask } from '../data/embedded';
import type { TaskData } from '../data/types';
import {
  EXPERIMENT_PRESETS,
  mergeReports,
  parseExperimentFile,
  reportMarkdown,
  runExperiment,
  type ExperimentPreset,
  type ExperimentReport,
  type ExperimentTask,
} from '../kd/experiments';
import { isMethodPreset } from '../kd';
import { disposeTeacher } from '../kd/teacher';
import {
  ensembleTeacher,
  teacherFromFiles,
  teacherToFiles,
  withTeacherVocab,
  type LoadedTeacherFiles,
} from '../kd/teacher-files';
import { filesFromDir, writeFilesToNewDir } from './files';
import { nodeBackend } from './args';
import { loadTaskForCli } from './load-task';
import { useNodeBackend } from './node-backend';
import { sharedDataDir, SHARED_DATA_MISSING } from './shared-data';

const HELP = `npm run experiment -- <preset> [flags]
npm run experiment -- merge A.json B.json ... [--out PATH]

presets: ${Object.keys(EXPERIMENT_PRESETS).join(', ')}

  --seeds 1,2,3          override the preset's seeds
  --methods none,vanilla override the preset's methods (names from src/kd/presets.ts)
  --steps N              override the students' steps (evaluation every N/8)
  --teacher-steps N      override the teacher's fine-tuning steps
  --teacher-seed N       override the teacher's training seed (ensemble member k uses N + k - 1)
  --teacher-ensemble N   override the number of teachers trained and averaged (1 = one teacher)
  --teacher-only         run no student: train the teacher and save it (with --save-teacher; to
                         train an ensemble's members in parallel processes, one seed each, then
                         load them together with --teacher DIR1,DIR2,...), or evaluate a loaded
                         one on dev (with --teacher)
  --save-teacher DIR     save the trained teacher (checkpoint files, footprints, teacher.json)
                         to the new directory DIR, before the students run
  --teacher DIR          use the teacher in DIR instead of training one: a --save-teacher
                         directory or any Hugging Face BERT classifier of the task (config.json,
                         model.safetensors, vocab.txt); the students tokenise with its vocabulary.
                         DIR1,DIR2,... loads an ensemble of them (one vocabulary, logits averaged)
  --out PATH             write PATH.json and PATH.md (default reports/experiment-<preset>-<time>)
  --backend wasm|cpu     compute backend (default wasm)
  --list                 print the presets as JSON and exit

merge: combine the JSON reports of one preset run in several invocations (seeds or methods
split across processes with one saved teacher) into one table; they must share the setup and
the teacher, and a (method, seed) run found twice must agree. A report whose methods use no
teacher (none, swa) may come from another preset with the same task, tokenizer, student and
training, and the same vocabulary.
`;

async function loadTask(t: ExperimentTask): Promise<TaskData> {
  if (t.source === 'embedded') {
    return generateEmbeddedTask(t.seed, { trainSize: t.trainSize, devSize: t.devSize });
  }
  const dir = sharedDataDir();
  if (!dir) throw new Error(SHARED_DATA_MISSING);
  return loadTaskForCli({ task: t.task, data: join(dir, t.dir), maxTrain: t.maxTrain });
}

function numbers(flag: string, v: string): number[] {
  const xs = v.split(',').map((s) => Number(s.trim()));
  if (xs.some((x) => !Number.isInteger(x) || x < 0)) {
    throw new Error(`--${flag} expects comma-separated non-negative integers, got '${v}'`);
  }
  return xs;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: {
      seeds: { type: 'string' },
      methods: { type: 'string' },
      steps: { type: 'string' },
      'teacher-steps': { type: 'string' },
      'teacher-seed': { type: 'string' },
      'teacher-ensemble': { type: 'string' },
      'teacher-only': { type: 'boolean' },
      'save-teacher': { type: 'string' },
      teacher: { type: 'string' },
      out: { type: 'string' },
      backend: { type: 'string' },
      list: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  if (values.list) {
    process.stdout.write(`${JSON.stringify(EXPERIMENT_PRESETS, null, 2)}\n`);
    return;
  }
  const name = positionals[0];
  if (name === 'merge') {
    mergeFiles(positionals.slice(1), values.out);
    return;
  }
  if (!name || positionals.length > 1) throw new Error(`expected one preset name\n\n${HELP}`);
  const base = EXPERIMENT_PRESETS[name];
  if (!base)
    throw new Error(
      `unknown preset '${name}'; presets: ${Object.keys(EXPERIMENT_PRESETS).join(', ')}`,
    );
  const preset: ExperimentPreset = structuredClone(base);
  if (values.seeds) preset.seeds = numbers('seeds', values.seeds);
  if (values.methods) {
    const names = values.methods.split(',').map((s) => s.trim());
    const bad = names.filter((m) => !isMethodPreset(m));
    if (bad.length > 0) throw new Error(`--methods: unknown method preset(s) ${bad.join(', ')}`);
    preset.methods = names.filter(isMethodPreset);
  }
  if (values.steps) {
    const [n] = numbers('steps', values.steps);
    preset.train.steps = n!;
    preset.train.evalEvery = Math.max(1, Math.floor(n! / 8));
  }
  if (values['teacher-steps']) {
    const [n] = numbers('teacher-steps', values['teacher-steps']);
    preset.teacher.train.steps = n!;
    preset.teacher.train.evalEvery = Math.max(1, Math.floor(n! / 8));
  }
  if (values['teacher-seed']) {
    const [n] = numbers('teacher-seed', values['teacher-seed']);
    preset.teacher.train.seed = n!;
  }
  if (values['teacher-ensemble']) {
    const [n] = numbers('teacher-ensemble', values['teacher-ensemble']);
    if (n! < 1 || n! > 16) throw new Error(`--teacher-ensemble expects 1 to 16, got ${n}`);
    preset.teacher.ensemble = n!;
  }
  if (values['teacher-only']) {
    if (!values['save-teacher'] && !values.teacher) {
      throw new Error(
        '--teacher-only needs --save-teacher DIR (train and save one) or --teacher DIR (evaluate one)',
      );
    }
    preset.methods = [];
  }
  if (values.teacher && values['save-teacher']) {
    throw new Error(
      '--teacher and --save-teacher exclude each other: a loaded teacher is saved already',
    );
  }
  const saveTo = values['save-teacher'];
  if (saveTo && existsSync(saveTo)) {
    throw new Error(`--save-teacher: ${saveTo} exists already: remove it or pick another path`);
  }
  const backend: BackendName = await useNodeBackend(nodeBackend(values.backend, 'wasm'));
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const out = resolve(values.out ?? join('reports', `experiment-${name}-${stamp}`));
  mkdirSync(dirname(out), { recursive: true });
  const command = `npm run experiment -- ${process.argv.slice(2).join(' ')}`;
  const write = (r: ExperimentReport) => {
    writeFileSync(`${out}.json`, `${JSON.stringify({ command, preset, report: r }, null, 2)}\n`);
    writeFileSync(`${out}.md`, reportMarkdown(r, command));
  };
  let data = await loadTask(preset.task);
  const log = (msg: string) =>
    process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
  let teacher: Parameters<typeof runExperiment>[3]['teacher'];
  if (values.teacher) {
    const loaded = await loadTeachers(values.teacher.split(',').map((d) => d.trim()));
    const t = withTeacherVocab(preset, data, loaded);
    preset.tokenizer = t.tokenizer;
    data = t.data;
    teacher = { bundle: loaded.bundle, wallSec: loaded.wallSec, from: values.teacher };
  }
  log(
    `${name}: ${data.spec.name}, ${data.train.length} train / ${data.dev.length} dev, backend ${backend}`,
  );
  const teacherData =
    preset.teacherTask && !teacher ? await loadTask(preset.teacherTask) : undefined;
  if (teacherData) log(`teacher data: ${teacherData.train.length} train`);
  const report = await runExperiment(name, preset, data, {
    backend,
    ...(teacherData ? { teacherData } : {}),
    onProgress: log,
    onReport: write,
    ...(teacher ? { teacher } : {}),
    ...(saveTo
      ? {
          onTeacherTrained: async (t, tokenizer, wallSec) => {
            writeFilesToNewDir(saveTo, await teacherToFiles(t, tokenizer, wallSec));
            log(`saved the teacher to ${saveTo}`);
          },
        }
      : {}),
  });
  write(report);
  process.stdout.write(reportMarkdown(report, command));
  log(`wrote ${out}.json and ${out}.md`);
}

/** The teacher in each directory; several make one ensemble (their logits averaged). */
async function loadTeachers(dirs: string[]): Promise<LoadedTeacherFiles> {
  if (dirs.some((d) => d === '')) throw new Error('--teacher: an empty directory name');
  const parts: LoadedTeacherFiles[] = [];
  try {
    for (const dir of dirs) parts.push(await teacherFromFiles(filesFromDir(dir)));
    return ensembleTeacher(parts);
  } catch (e) {
    parts.forEach((p) => disposeTeacher(p.bundle));
    throw e;
  }
}

/** `merge A.json B.json …`: one table from several invocations' reports. */
function mergeFiles(paths: string[], outFlag: string | undefined): void {
  if (paths.length < 2) throw new Error(`merge expects two or more report files\n\n${HELP}`);
  const files = paths.map((p) => {
    if (!existsSync(p)) throw new Error(`merge: ${p} does not exist`);
    return parseExperimentFile(readFileSync(p, 'utf8'), p);
  });
  const merged = mergeReports(files);
  const name = merged.report.preset;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const out = resolve(outFlag ?? join('reports', `experiment-${name}-merged-${stamp}`));
  mkdirSync(dirname(out), { recursive: true });
  const command = `npm run experiment -- merge ${paths.join(' ')}`;
  writeFileSync(`${out}.json`, `${JSON.stringify(merged, null, 2)}\n`);
  const md = reportMarkdown(merged.report, command);
  writeFileSync(`${out}.md`, md);
  process.stdout.write(md);
  process.stderr.write(`wrote ${out}.json and ${out}.md\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`experiment: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
