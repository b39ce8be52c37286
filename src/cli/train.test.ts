// The train CLI end to end: flags → config → a short run → JSON lines on stdout; bad flags fail
// with a clear message and a non-zero exit code.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function run(args: string[]) {
  const r = spawnSync('npx', ['tsx', 'src/cli/train.ts', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  const lines = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { event: string; [k: string]: unknown });
  return { status: r.status, lines, stderr: r.stderr };
}

describe('train CLI', () => {
  it('trains the embedded task and prints JSON lines', () => {
    const { status, lines } = run([
      '--preset',
      'tiny-L1-H32',
      '--steps',
      '6',
      '--batch',
      '8',
      '--eval-every',
      '3',
      '--log-every',
      '2',
      '--max-train',
      '200',
    ]);
    expect(status).toBe(0);
    const events = lines.map((l) => l.event);
    expect(events[0]).toBe('config');
    expect(events).toContain('prepared');
    expect(lines.filter((l) => l.event === 'train').map((l) => l['step'])).toEqual([1, 2, 4, 6]);
    expect(lines.filter((l) => l.event === 'eval').map((l) => l['step'])).toEqual([3, 6]);
    const done = lines.at(-1)!;
    expect(done.event).toBe('done');
    expect(done['best']).toMatchObject({ metrics: { accuracy: expect.any(Number) } });
  });

  it('distils with --kd: trains the teacher first, reports it and the loss terms', () => {
    const { status, lines } = run([
      '--preset',
      'tiny-L1-H32',
      '--steps',
      '4',
      '--batch',
      '8',
      '--eval-every',
      '4',
      '--log-every',
      '1',
      '--max-train',
      '100',
      '--kd',
      'vanilla',
      '--teacher-preset',
      'tiny-L1-H32',
      '--teacher-steps',
      '4',
    ]);
    expect(status).toBe(0);
    const config = lines.find((l) => l.event === 'config')!['config'] as {
      kd: { method: { kind: string }; teacher: { source: string } };
    };
    expect(config.kd.method.kind).toBe('vanilla');
    expect(config.kd.teacher.source).toBe('train');
    expect(lines.find((l) => l.event === 'train')!['terms']).toMatchObject({
      ce: expect.any(Number),
      kd: expect.any(Number),
    });
    expect(lines.at(-1)!['teacher']).toMatchObject({ main: expect.any(Number) });
    expect(run(['--kd', 'nope']).stderr).toMatch(/--kd: unknown method preset 'nope'/);
  });

  it('distils a KroneckerBERT preset with --student and --kd kronecker (teacher of its shape)', () => {
    const { status, lines, stderr } = run([
      '--steps',
      '4',
      '--batch',
      '8',
      '--eval-every',
      '2',
      '--log-every',
      '1',
      '--max-train',
      '100',
      '--max-len',
      '16',
      '--kd',
      'kronecker',
      '--student',
      'kron-mini-8x',
      '--teacher-steps',
      '2',
      // kron-mini-8x's factors on a 1-layer, width-128 shape (its own 4×256 is slow on a CPU).
      '--layers',
      '1',
      '--hidden',
      '128',
      '--intermediate',
      '256',
    ]);
    expect([status, stderr.split('\n').filter((l) => l.startsWith('train:'))]).toEqual([0, []]);
    const config = lines.find((l) => l.event === 'config')!['config'] as {
      model: { layers: number; hidden: number };
      student: { kind: string; init: string };
      kd: { method: { kind: string }; teacher: { model: { layers: number; hidden: number } } };
    };
    expect(config.student).toMatchObject({ kind: 'kron-bert', init: 'nkp' });
    expect([config.model.layers, config.model.hidden]).toEqual([1, 128]);
    expect(config.kd.teacher.model).toMatchObject({ layers: 1, hidden: 128, intermediate: 256 });
    const train = lines.filter((l) => l.event === 'train');
    expect(train.map((l) => l['stage'])).toEqual(['intermediate', 'intermediate', 'task', 'task']);
    expect(Object.keys(train[0]!['terms'] as object)).toEqual(['emb', 'hidden', 'att']);
    expect(Object.keys(train[3]!['terms'] as object)).toEqual([
      'emb',
      'hidden',
      'att',
      'logit',
      'ce',
    ]);
    expect(run(['--student', 'nope']).stderr).toMatch(
      /--student: unknown KroneckerBERT preset 'nope'/,
    );
  });

  it('MLM pre-trains the model on the training text first with --mlm-steps', () => {
    const { status, lines, stderr } = run([
      '--preset',
      'tiny-L1-H32',
      '--steps',
      '2',
      '--batch',
      '8',
      '--eval-every',
      '2',
      '--max-train',
      '100',
      '--mlm-steps',
      '20',
    ]);
    expect(status).toBe(0);
    expect(stderr).toMatch(/MLM pre-training: step 20 of 20/);
    expect(lines.at(-1)!.event).toBe('done');
  });

  it('rejects bad flags with a message', () => {
    const bad = run(['--steps', 'many']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--steps expects a number, got 'many'/);
    const heads = run(['--hidden', '100', '--heads', '3']);
    expect(heads.stderr).toMatch(/model.hidden \(100\) must be divisible by model.heads \(3\)/);
    expect(run(['--task', 'sst2']).stderr).toMatch(/needs --data DIR/);
    expect(run(['--bogus']).status).toBe(1);
  });
});
