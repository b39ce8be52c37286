// Runs the tokenize CLI as a child process (npx tsx src/cli/tokenize.ts) with a small vocabulary:
// JSON lines in, JSON lines out, per-line errors with exit code 1, a bad vocabulary with exit code 2.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
// prettier-ignore
const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'hello', 'world', '##s', ',', 'Hello'];

function runCli(
  args: string[],
  input: string,
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('npx', ['tsx', 'src/cli/tokenize.ts', ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const lines = (s: string): unknown[] =>
  s
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l));

describe('tokenize CLI', () => {
  let vocabFile = '';
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'distillery-tokenize-'));
    vocabFile = join(dir, 'vocab.txt');
    writeFileSync(vocabFile, `${VOCAB.join('\n')}\n`);
  });

  it('encodes text and pairs, one JSON line per input, and exits 0', () => {
    const input = [
      '{"text": "Hello, worlds"}',
      '',
      '{"a": "hello", "b": "world", "maxLength": 7}',
      '{"a": "hello hello world", "b": "world", "maxLength": 5}',
    ].join('\n');
    const r = runCli(['--vocab', vocabFile, '--tokens'], input);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual([
      {
        ids: [2, 5, 8, 6, 7, 3],
        typeIds: [0, 0, 0, 0, 0, 0],
        tokens: ['[CLS]', 'hello', ',', 'world', '##s', '[SEP]'],
      },
      {
        ids: [2, 5, 3, 6, 3, 0, 0],
        typeIds: [0, 0, 0, 1, 1, 0, 0],
        tokens: ['[CLS]', 'hello', '[SEP]', 'world', '[SEP]', '[PAD]', '[PAD]'],
      },
      {
        ids: [2, 5, 3, 6, 3],
        typeIds: [0, 0, 0, 1, 1],
        tokens: ['[CLS]', 'hello', '[SEP]', 'world', '[SEP]'],
      },
    ]);
  });

  it('is cased with --cased and omits tokens without --tokens', () => {
    const r = runCli(['--vocab', vocabFile, '--cased'], '{"text": "Hello hello HELLO"}\n');
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual([{ ids: [2, 9, 5, 1, 3], typeIds: [0, 0, 0, 0, 0] }]);
  });

  it('reports bad lines as {"error": "line N: …"}, keeps going, and exits 1', () => {
    const input = [
      'not json',
      '{"a": 1}',
      '[1]',
      '{"text": "x", "maxLength": 1}',
      '{"text": "hello"}',
    ].join('\r\n');
    const r = runCli(['--vocab', vocabFile], input);
    expect(r.status).toBe(1);
    expect(lines(r.stdout)).toEqual([
      { error: expect.stringMatching(/^line 1: invalid JSON: /) },
      { error: 'line 2: "text" (or "a") must be a string' },
      { error: 'line 3: expected a JSON object' },
      { error: 'line 4: maxLength 1 must be an integer ≥ 2 (the special tokens)' },
      { ids: [2, 5, 3], typeIds: [0, 0, 0] },
    ]);
  });

  it('exits 2 with a clear message for a missing vocabulary or missing --vocab', () => {
    const missing = runCli(
      ['--vocab', join(tmpdir(), 'no-such-dir', 'vocab.txt')],
      '{"text": "a"}\n',
    );
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/tokenize: cannot load vocabulary .*no-such-dir.*ENOENT/);
    expect(missing.stdout).toBe('');
    const noArg = runCli([], '');
    expect(noArg.status).toBe(2);
    expect(noArg.stderr).toMatch(/--vocab FILE is required/);
  });
});
