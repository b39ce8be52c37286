// The CLI's checkpoint directories: written whole into a new directory (never over an old one),
// read back by name, with path-like names refused.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { filesFromDir, writeFilesToNewDir } from './files';

const root = mkdtempSync(join(tmpdir(), 'distillery-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('checkpoint directories', () => {
  it('writes a new directory whole and reads it back; a missing file is null', async () => {
    const dir = join(root, 'teacher');
    writeFilesToNewDir(
      dir,
      new Map<string, Uint8Array | string>([
        ['config.json', '{"a":1}'],
        ['model.safetensors', new Uint8Array([1, 2, 3])],
      ]),
    );
    expect(readdirSync(root)).toEqual(['teacher']); // no temporary directory left behind
    const files = filesFromDir(dir);
    expect(new TextDecoder().decode((await files.get('config.json'))!)).toBe('{"a":1}');
    expect([...(await files.get('model.safetensors'))!]).toEqual([1, 2, 3]);
    expect(await files.get('vocab.txt')).toBeNull();
    await expect(files.get('../x')).rejects.toThrow(/refusing file name/);
  });

  it('refuses an existing directory and a missing one', () => {
    expect(() => writeFilesToNewDir(join(root, 'teacher'), new Map())).toThrow(/exists already/);
    expect(() => filesFromDir(join(root, 'nope'))).toThrow(/no such directory/);
  });
});
