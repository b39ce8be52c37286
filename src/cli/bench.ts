// `npm run bench`: training-step throughput of named configs on every backend Node can reach
// (cpu, wasm, and WebGPU through Dawn when a Vulkan driver is present), printed as JSON: samples/s,
// ms/step, tensors before and after (leaks show), kernels per step and bytes the backend holds.
// With --kron, also the Kronecker layer against the dense layer it replaces (./bench-kron.ts).
import * as tf from '@tensorflow/tfjs';
import { BACKENDS, type BackendName } from '../config/run-config';
import {
  bertConfig,
  bertForward,
  dropoutSeed,
  initBertParams,
  isNoDecay,
  type BertConfig,
} from '../model';
import { embeddingGradFor } from '../train/loop';
import { AdamW } from '../train/optimizer';
import { disposeBatch, taskLoss, trainStep, type TensorBatch } from '../train/step';
import { applyDeterminism } from '../train/backend';
import { makeRng } from '../util/rng';
import { helpText } from './args';
import { KRON_BENCH_CASES, benchKronCase, type KronBenchResult } from './bench-kron';
import { benchMethod, type MethodBenchResult } from './bench-methods';
import { isMethodPreset, type MethodPresetName } from '../kd/presets';
import { useNodeBackend } from './node-backend';
import { parseArgs } from 'node:util';

interface BenchConfig {
  layers: number;
  hidden: number;
  batch: number;
  seq: number;
  vocab: number;
}

/** Named shapes. "mini" is the reference point (PyTorch on an H100: ~9-11 ms/step). */
export const BENCH_CONFIGS: Record<string, BenchConfig> = {
  mini: { layers: 2, hidden: 128, batch: 32, seq: 64, vocab: 30522 },
  'L4-H256': { layers: 4, hidden: 256, batch: 32, seq: 64, vocab: 30522 },
  tiny: { layers: 1, hidden: 32, batch: 8, seq: 16, vocab: 1000 },
};

function modelOf(b: BenchConfig): BertConfig {
  return bertConfig(
    {
      layers: b.layers,
      hidden: b.hidden,
      heads: Math.max(1, Math.floor(b.hidden / 64)),
      intermediate: 4 * b.hidden,
      hiddenDropout: 0.1,
      attentionDropout: 0.1,
    },
    b.vocab,
    2,
  );
}

function randomBatch(b: BenchConfig, seed: number): TensorBatch {
  const rng = makeRng(seed);
  const ids = Int32Array.from({ length: b.batch * b.seq }, () => 5 + rng.int(b.vocab - 5));
  return {
    ids: tf.tensor2d(ids, [b.batch, b.seq], 'int32'),
    typeIds: tf.zeros([b.batch, b.seq], 'int32') as tf.Tensor2D,
    mask: tf.ones([b.batch, b.seq]) as tf.Tensor2D,
    labels: tf.tensor1d(
      Array.from({ length: b.batch }, () => rng.int(2)),
      'float32',
    ),
  };
}

/** Kernels that only relabel data (no compute dispatch on any backend), and op-level wrappers. */
const NO_DISPATCH = new Set(['Reshape', 'Identity']);

/**
 * Compute kernels one call of `fn` runs. On WebGPU: programs actually dispatched (counted at the
 * backend's runWebGPUProgram). Elsewhere: tf.profile's kernel list without reshapes, identities
 * and op wrappers (names ending in '__op').
 */
async function countKernels(fn: () => void): Promise<number> {
  const backend = tf.backend() as unknown as { runWebGPUProgram?: (...args: unknown[]) => unknown };
  const original = backend.runWebGPUProgram;
  if (tf.getBackend() === 'webgpu' && original) {
    let n = 0;
    backend.runWebGPUProgram = function (this: unknown, ...args: unknown[]) {
      n++;
      return original.apply(this, args);
    };
    try {
      fn();
    } finally {
      backend.runWebGPUProgram = original;
    }
    return n;
  }
  const profile = await tf.profile(fn);
  return profile.kernels.filter((k) => !NO_DISPATCH.has(k.name) && !k.name.endsWith('__op')).length;
}

function memBytes(): number {
  const m: tf.MemoryInfo & { numBytesAllocatedInGPU?: number } = tf.memory();
  return m.numBytesAllocatedInGPU ?? m.numBytes;
}

async function benchOne(
  name: string,
  b: BenchConfig,
  backend: BackendName,
  steps: number,
  warmup: number,
  deterministic: boolean,
) {
  const cfg = modelOf(b);
  applyDeterminism(backend, deterministic);
  const params = initBertParams(cfg, 1);
  const opt = new AdamW(
    params.vars,
    { beta1: 0.9, beta2: 0.999, epsilon: 1e-6, weightDecay: 0.01, clipNorm: 1 },
    isNoDecay,
  );
  const vars = [...params.vars.values()];
  const batch = randomBatch(b, 2);
  const embeddingGrad = embeddingGradFor(backend, deterministic);
  const step = (i: number) =>
    trainStep(
      vars,
      opt,
      () =>
        taskLoss(
          bertForward(params, cfg, batch, {
            training: true,
            dropoutSeed: dropoutSeed(1, i),
            embeddingGrad,
          }).logits,
          batch.labels,
          'classification',
        ),
      1e-4,
    );
  const t0 = performance.now();
  const first = step(0);
  await first.data();
  first.dispose();
  const compileMs = performance.now() - t0;
  for (let i = 1; i < warmup; i++) {
    const o = step(i);
    await o.data();
    o.dispose();
  }
  const tensorsBefore = tf.memory().numTensors;
  const t1 = performance.now();
  let last: tf.Tensor | null = null;
  for (let i = 0; i < steps; i++) {
    last?.dispose();
    last = step(warmup + i);
  }
  const values = await last!.data(); // waits for the whole queue
  last!.dispose();
  const msPerStep = (performance.now() - t1) / steps;
  const tensorsAfter = tf.memory().numTensors;
  const kernels = await countKernels(() => {
    step(warmup + steps).dispose();
  });
  const result = {
    config: name,
    ...b,
    backend,
    deterministic,
    params: params.count(),
    compileMs: Math.round(compileMs),
    msPerStep: +msPerStep.toFixed(2),
    samplesPerSec: +((b.batch * 1000) / msPerStep).toFixed(1),
    tensorsBefore,
    tensorsAfter,
    kernelsPerStep: kernels,
    bytesAllocated: memBytes(),
    finalLoss: values[0],
  };
  disposeBatch(batch);
  opt.dispose();
  params.dispose();
  return result;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      configs: { type: 'string' },
      backends: { type: 'string' },
      steps: { type: 'string' },
      warmup: { type: 'string' },
      deterministic: { type: 'boolean' },
      kron: { type: 'boolean' },
      'kron-tokens': { type: 'string' },
      'kron-reps': { type: 'string' },
      methods: { type: 'string' },
      'method-steps': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      helpText('npm run bench -- [flags]', {
        configs: {
          type: 'string',
          help: `comma list of ${Object.keys(BENCH_CONFIGS).join(', ')}, or none (default mini,L4-H256)`,
        },
        backends: {
          type: 'string',
          help: 'comma list of cpu, wasm, webgpu (default: all that start)',
        },
        steps: { type: 'string', help: 'timed steps (default 5)' },
        warmup: { type: 'string', help: 'untimed steps first, compile included (default 2)' },
        deterministic: {
          type: 'boolean',
          help: 'WebGPU: packed matmul and one-hot embedding gradient',
        },
        kron: {
          type: 'boolean',
          help: 'also time Kronecker layers against dense ones at the K8/K21 BERT-base shapes',
        },
        'kron-tokens': { type: 'string', help: 'input rows per Kronecker timing (default 256)' },
        'kron-reps': { type: 'string', help: 'timed repetitions per Kronecker case (default 5)' },
        methods: {
          type: 'string',
          help: 'also time a training step of these KD method presets (comma list, e.g. none,vanilla,glitter) on the embedded task with BERT-Tiny',
        },
        'method-steps': {
          type: 'string',
          help: 'timed steps per method, after --warmup untimed ones (default 20)',
        },
      }),
    );
    return;
  }
  const names = values.configs === 'none' ? [] : (values.configs ?? 'mini,L4-H256').split(',');
  const methodNames = values.methods ? values.methods.split(',').map((m) => m.trim()) : [];
  const badMethods = methodNames.filter((m) => !isMethodPreset(m));
  if (badMethods.length > 0) {
    throw new Error(`--methods: unknown method preset(s) ${badMethods.join(', ')}`);
  }
  const methodSteps = Number(values['method-steps'] ?? 20);
  if (!Number.isInteger(methodSteps) || methodSteps < 2) {
    throw new Error('--method-steps must be an integer of at least 2');
  }
  for (const n of names) if (!BENCH_CONFIGS[n]) throw new Error(`Unknown config '${n}'`);
  const wanted = (values.backends ?? 'cpu,wasm,webgpu').split(',');
  const backends = BACKENDS.filter((b) => b !== 'webgl' && wanted.includes(b));
  const steps = Number(values.steps ?? 5);
  const warmup = Math.max(1, Number(values.warmup ?? 2));
  const results: object[] = [];
  const kron: KronBenchResult[] = [];
  const methods: MethodBenchResult[] = [];
  const skipped: { backend: string; reason: string }[] = [];
  for (const backend of backends) {
    try {
      await useNodeBackend(backend);
    } catch (e) {
      skipped.push({ backend, reason: e instanceof Error ? e.message : String(e) });
      continue;
    }
    for (const n of names) {
      const r = await benchOne(
        n,
        BENCH_CONFIGS[n]!,
        backend,
        steps,
        warmup,
        values.deterministic ?? false,
      );
      process.stderr.write(
        `${backend} ${n}: ${r.msPerStep} ms/step, ${r.samplesPerSec} samples/s, ${r.kernelsPerStep} kernels\n`,
      );
      results.push(r);
    }
    let noneMs: number | null = null;
    for (const m of methodNames as MethodPresetName[]) {
      const r = await benchMethod(m, backend, methodSteps, warmup);
      if (m === 'none') noneMs = r.msPerStep;
      const relativeToNone = noneMs === null ? null : +(r.msPerStep / noneMs).toFixed(2);
      process.stderr.write(
        `${backend} ${m}: ${r.msPerStep} ms/step` +
          (relativeToNone === null ? '' : ` (${relativeToNone}× none)`) +
          `, set-up ${r.setupSec} s\n`,
      );
      methods.push({ ...r, relativeToNone });
    }
    if (!values.kron) continue;
    for (const c of KRON_BENCH_CASES) {
      const k = await benchKronCase(
        c,
        backend,
        Number(values['kron-tokens'] ?? 256),
        Number(values['kron-reps'] ?? 5),
      );
      process.stderr.write(
        `${backend} ${c.name}: forward ${k.denseForwardMs} → ${k.kronForwardMs} ms, ` +
          `forward+backward ${k.denseTrainMs} → ${k.kronTrainMs} ms (FLOPs ÷${k.flopRatio})\n`,
      );
      kron.push(k);
    }
  }
  const out = {
    tool: 'distillery-bench',
    version: 1,
    date: new Date().toISOString(),
    node: process.version,
    results,
    ...(values.kron ? { kron } : {}),
    ...(methodNames.length > 0 ? { methods } : {}),
    skipped,
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
