// The outside teachers of kd.teacher ('checkpoint', 'hf'): what the schema accepts and refuses,
// the cross-field rule (Pro-KD footprints need a teacher trained in the run), and the URL round
// trip of a setup that names one.
import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../config/defaults';
import type { RunConfig } from '../config/run-config';
import { decodeUrlState, encodeRunConfig } from '../config/url';
import { validateRunConfig } from '../config/validate';
import { KD_DEFAULTS } from './defaults';
import { hasHfFiles } from './schema';
import type { TeacherRef } from './spec';

function withTeacher(
  teacher: unknown,
  method: unknown = { kind: 'vanilla', temperature: 2, alpha: 0.5 },
): RunConfig {
  const c = defaultRunConfig();
  c.kd = { method, teacher } as RunConfig['kd'];
  return c;
}

const problems = (t: unknown, method?: unknown) =>
  validateRunConfig(withTeacher(t, method)).map((p) => `${p.path}: ${p.message}`);

describe('kd.teacher from a checkpoint or Hugging Face', () => {
  it('accepts a checkpoint key, a Hub id or URL, and a complete set of picked files', () => {
    const ok: TeacherRef[] = [
      { source: 'checkpoint', key: 'kd/run-1/step-40' },
      { source: 'checkpoint', key: 'kd/run-1/teacher/step-12' },
      {
        source: 'hf',
        from: { kind: 'hub', model: 'google/bert_uncased_L-2_H-128_A-2', revision: 'main' },
      },
      {
        source: 'hf',
        from: { kind: 'hub', model: 'http://127.0.0.1:8000/me/tiny', revision: 'v1' },
      },
      {
        source: 'hf',
        from: { kind: 'files', names: ['config.json', 'model.safetensors', 'tokenizer.json'] },
      },
    ];
    for (const t of ok) expect(problems(t)).toEqual([]);
  });

  it('refuses an empty or malformed key, an empty model id and an incomplete set of files', () => {
    expect(problems({ source: 'checkpoint', key: '' })[0]).toMatch(
      /kd\.teacher\.key: pick a saved checkpoint/,
    );
    expect(problems({ source: 'checkpoint', key: 'runs/x' })[0]).toMatch(/pick a saved checkpoint/);
    // One message for an empty field, not also "not a model id".
    expect(
      problems({ source: 'hf', from: { kind: 'hub', model: '', revision: 'main' } }),
    ).toHaveLength(1);
    expect(
      problems({ source: 'hf', from: { kind: 'hub', model: ' ', revision: 'main' } })[0],
    ).toMatch(/kd\.teacher\.from\.model: give a Hugging Face model id/);
    expect(
      problems({ source: 'hf', from: { kind: 'hub', model: 'a b/c', revision: 'main' } })[0],
    ).toMatch(/not a Hugging Face model id/);
    expect(
      problems({ source: 'hf', from: { kind: 'files', names: ['config.json', 'vocab.txt'] } })[0],
    ).toMatch(/kd\.teacher\.from\.names: pick config\.json, model\.safetensors and vocab\.txt/);
    expect(problems({ source: 'checkpoint', key: 'kd/a/step-1', extra: 1 })).not.toEqual([]);
  });

  it("refuses Pro-KD's footprints from a teacher not trained in the run", () => {
    const proKd = { ...KD_DEFAULTS['pro-kd'], checkpoints: 3 };
    const p = problems({ source: 'checkpoint', key: 'kd/a/step-1' }, proKd);
    expect(p.some((m) => /^kd\.teacher: Pro-KD follows 3 teacher checkpoints/.test(m))).toBe(true);
  });

  it('knows the files a Hugging Face import reads (base names count)', () => {
    expect(hasHfFiles(['dir/config.json', 'dir/model.safetensors', 'dir/vocab.txt'])).toBe(true);
    expect(hasHfFiles(['config.json', 'model.safetensors'])).toBe(false);
    expect(hasHfFiles(['config.json', 'pytorch_model.bin', 'vocab.txt'])).toBe(false);
  });

  it('round-trips through the URL (the key is local to this browser, but the URL keeps it)', () => {
    for (const t of [
      { source: 'checkpoint', key: 'kd/run-1/teacher/step-12' },
      { source: 'hf', from: { kind: 'hub', model: 'owner/name', revision: 'main' } },
      {
        source: 'hf',
        from: { kind: 'files', names: ['config.json', 'model.safetensors', 'vocab.txt'] },
      },
    ]) {
      const c = withTeacher(t);
      const back = decodeUrlState(encodeRunConfig(c));
      expect(back.problems).toEqual([]);
      expect(back.config?.kd?.teacher).toEqual(t);
    }
  });
});
