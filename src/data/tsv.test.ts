// GLUE TSV reader: every shared GLUE file with exact row counts and first/last values, each real
// quirk on inline text, each error with its file, line and problem, and a fuzz that anything
// either parses or throws DataError.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SHARED_DATA_MISSING, sharedDataFile } from '../cli/shared-data';
import { DataError } from './errors';
import { glueTask, type GlueTask } from './glue';
import { checkText, decodeText, readGlueTsv, splitLines } from './tsv';
import { expectDataError as dataError } from '../../test/fixtures/expect-data-error';

function task(id: string): GlueTask {
  const t = glueTask(id);
  if (!t) throw new Error(`no task ${id}`);
  return t;
}

describe('readGlueTsv on the shared GLUE files', () => {
  // prettier-ignore
  const cases = [
    // task, split, rows (README), first row [a, b, label], last row label
    ['sst2', 'train', 67349, ['when are bears bears and', undefined, 1]],
    ['sst2', 'dev', 872, ["it 's a charming and often affecting journey .", undefined, 1]],
    ['cola', 'train', 8551, ["Our friends won't buy this analysis, let alone the next one we propose.", undefined, 1]],
    // CoLA dev has 1,043 rows (GLUE's count); its last line has no newline, so `wc -l` says 1,042.
    ['cola', 'dev', 1043, ['The sailors rode the breeze clear of the rocks.', undefined, 1]],
    ['mrpc', 'train', 3668, ['Amrozi accused his brother, whom he called "the witness", of deliberately distorting his evidence.',
      'Referring to him as only "the witness", Amrozi accused his brother of deliberately distorting his evidence.', 1]],
    ['mrpc', 'dev', 408, ["He said the foodservice pie business doesn't fit the company's long-term growth strategy.",
      '"The foodservice pie business does not fit our long-term growth strategy.', 1]],
    ['stsb', 'train', 4249, ['A plane is taking off.', 'An air plane is taking off.', 5]],
    ['stsb', 'dev', 1500, ['A man is playing the cello.', 'A man seated is playing the cello.', 4.25]],
  ] as const;

  for (const [id, split, rows, [a, b, label]] of cases) {
    const t = task(id);
    const path = sharedDataFile('glue', t.dir, split === 'train' ? t.files.train : t.files.dev);
    if (!path) console.warn(`skipping ${t.name} ${split}: ${SHARED_DATA_MISSING}`);
    it.skipIf(!path)(`${t.name} ${split}: ${rows} rows, first row parsed exactly`, () => {
      const text = readFileSync(path!, 'utf8');
      const out = readGlueTsv(text, `${split}.tsv`, t);
      expect(out).toHaveLength(rows);
      expect(out[0]).toEqual(b === undefined ? { a, label } : { a, b, label });
      const valid = (label: number): boolean =>
        t.spec.kind === 'classification' ? label === 0 || label === 1 : label >= 0 && label <= 5;
      expect(out.find((ex) => ex.a === '' || !valid(ex.label))).toBeUndefined();
    });
  }

  const sst2 = sharedDataFile('glue', 'SST-2', 'train.tsv');
  it.skipIf(!sst2)('SST-2 train: trailing spaces trimmed, labels roughly balanced', () => {
    const out = readGlueTsv(readFileSync(sst2!, 'utf8'), 'train.tsv', task('sst2'));
    expect(out.some((e) => e.a !== e.a.trim())).toBe(false);
    const pos = out.filter((e) => e.label === 1).length;
    expect(pos).toBe(37569); // SST-2 train: 37,569 positive, 29,780 negative
  });
});

describe('readGlueTsv quirks', () => {
  it('strips a UTF-8 BOM before the MRPC header and keeps unbalanced quotes', () => {
    const text = '\uFEFFQuality\t#1 ID\t#2 ID\t#1 String\t#2 String\n1\t1\t2\t"He said\tit "was"\n';
    expect(readGlueTsv(text, 'dev.tsv', task('mrpc'))).toEqual([
      { a: '"He said', b: 'it "was"', label: 1 },
    ]);
  });

  it('reads CRLF, a trailing empty line, blank lines and a missing final newline alike', () => {
    const lf = 'sentence\tlabel\nfine . \t1\nbad\t0';
    const crlf = 'sentence\tlabel\r\nfine . \t1\r\n\r\nbad\t0\r\n\r\n';
    const want = [
      { a: 'fine .', label: 1 },
      { a: 'bad', label: 0 },
    ];
    expect(readGlueTsv(lf, 'a.tsv', task('sst2'))).toEqual(want);
    expect(readGlueTsv(crlf, 'b.tsv', task('sst2'))).toEqual(want);
  });

  it('reads headerless CoLA by position, and STS-B with or without its GLUE header', () => {
    expect(readGlueTsv('gj04\t0\t*\tHim left.\n', 'dev.tsv', task('cola'))).toEqual([
      { a: 'Him left.', label: 0 },
    ]);
    const row = '0\tg\tf\t2012\t1\tnone\tnone\tA b.\tC d.\t3.8';
    const header =
      'index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore';
    const want = [{ a: 'A b.', b: 'C d.', label: 3.8 }];
    expect(readGlueTsv(row, 'dev.tsv', task('stsb'))).toEqual(want);
    expect(readGlueTsv(`${header}\n${row}`, 'dev.tsv', task('stsb'))).toEqual(want);
  });

  it('maps MNLI gold labels by name and reads columns by header name', () => {
    const header =
      'index\tpromptID\tpairID\tgenre\ts1b\ts2b\ts1p\ts2p\tsentence1\tsentence2\tlabel1\tgold_label';
    const row = (label: string): string =>
      `0\t1\t2\tfiction\t(\t(\t(\t(\tP .\tH .\t${label}\t${label}`;
    const text = [header, row('contradiction'), row('entailment'), row('neutral')].join('\n');
    const out = readGlueTsv(text, 'dev_matched.tsv', task('mnli-m'));
    expect(out.map((e) => e.label)).toEqual([2, 0, 1]);
    expect(out[0]).toEqual({ a: 'P .', b: 'H .', label: 2 });
  });
});

describe('readGlueTsv errors name file, line and problem', () => {
  const sst2 = task('sst2');
  // prettier-ignore
  const cases: Array<[string, string, GlueTask, number | undefined, string]> = [
    ['sentence\tlabel\ngood\t1\nno label here\n', 'dev.tsv', sst2, 3, 'dev.tsv line 3: expected 2 columns, found 1'],
    ['sentence\tlabel\ngood\t1\nbad\t2\n', 'dev.tsv', sst2, 3, 'dev.tsv line 3: label "2" is not in the task\'s label set (0..1)'],
    ['sentence\tlabel\ngood\tpositive\n', 'x.tsv', sst2, 2, 'x.tsv line 2: label "positive" is not in the task\'s label set (0..1)'],
    ['0\tg\tf\t2012\t1\tn\tn\tA\tB\tabc\n', 'train.tsv', task('stsb'), 1, 'train.tsv line 1: score "abc" is not a number'],
    ['0\tg\tf\t2012\t1\tn\tn\tA\tB\t7\n', 'train.tsv', task('stsb'), 1, 'train.tsv line 1: score 7 is outside 0..5'],
    ['  \n\r\n', 'train.tsv', sst2, undefined, 'train.tsv: empty file'],
    ['', 'train.tsv', sst2, undefined, 'train.tsv: empty file'],
    ['sentence\tlabel\n', 'train.tsv', sst2, undefined, 'train.tsv: no rows after the header'],
    ['text\tlabel\nok\t1\n', 'train.tsv', sst2, 1, 'train.tsv line 1: header has no "sentence" column for SST-2 (found "text", "label")'],
    ['sentence\tlabel\nok\t1\nP\u0000K\u0003\t0\n', 'train.tsv', sst2, 3, 'train.tsv line 3: binary content (a NUL character), not text'],
    ['sentence\tlabel\ncaf\uFFFD\t1\n', 'train.tsv', sst2, 2, 'train.tsv line 2: not valid UTF-8 text (an undecodable byte)'],
    ['premise\thypothesis\tgold_label\nP\tH\tneutral\n', 'dev.tsv', task('mnli-m'), 1, 'dev.tsv line 1: header has no "sentence1" column for MNLI-m (found "premise", "hypothesis", "gold_label")'],
    ['index\tsentence1\tsentence2\tlabel\n0\tA\tB\tmaybe\n', 'dev.tsv', task('rte'), 2, 'dev.tsv line 2: label "maybe" is not one of entailment, not_entailment'],
  ];
  for (const [text, file, t, line, message] of cases) {
    it(message, () => {
      const err = dataError(() => readGlueTsv(text, file, t));
      expect(err.message).toBe(message);
      expect(err.file).toBe(file);
      expect(err.line).toBe(line);
    });
  }

  it('reads malformed fixture files from test/fixtures', () => {
    const fixture = (name: string): string =>
      readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url), 'utf8');
    const short = dataError(() => readGlueTsv(fixture('sst2-short-row.tsv'), 'dev.tsv', sst2));
    expect(short.message).toBe('dev.tsv line 14: expected 2 columns, found 1');
    const cola = dataError(() =>
      readGlueTsv(fixture('cola-bad-label.tsv'), 'train.tsv', task('cola')),
    );
    expect(cola.message).toBe('train.tsv line 3: label "?" is not in the task\'s label set (0..1)');
  });
});

describe('text checks', () => {
  it('decodeText rejects invalid UTF-8 bytes and strips a BOM', () => {
    expect(decodeText(new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 0x0a]), 'f.tsv')).toBe('a\n');
    const err = dataError(() => decodeText(new Uint8Array([0x61, 0xff, 0xfe, 0x0a]), 'f.tsv'));
    expect(err.message).toBe('f.tsv: not UTF-8 text (binary file or another encoding?)');
  });

  it('checkText and splitLines keep 1-based physical line numbers', () => {
    expect(splitLines(checkText('\uFEFFa\r\n\r\n b \nc', 'f'))).toEqual([
      { line: 1, text: 'a' },
      { line: 3, text: ' b ' },
      { line: 4, text: 'c' },
    ]);
  });
});

describe('fuzz: readGlueTsv parses or throws DataError, never anything else', () => {
  const pieces = [
    '\t',
    '\n',
    '\r\n',
    '\r',
    '"',
    '\uFEFF',
    ' ',
    '0',
    '1',
    '5',
    '2.5',
    '-',
    'a b',
    '*',
    'sentence',
    'label',
    'score',
    'entailment',
    '#1 String',
    '\u0000',
    '\uFFFD',
    'é',
    '😀',
  ];
  // Near-valid files: an SST-2 header, then rows of arbitrary cells.
  const cell = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(...pieces));
  const rows = fc
    .array(fc.array(cell, { minLength: 1, maxLength: 3 }), { maxLength: 10 })
    .map((rs) => `sentence\tlabel\n${rs.map((r) => r.join('\t')).join('\n')}`);
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.array(fc.constantFrom(...pieces), { maxLength: 60 }).map((xs) => xs.join('')),
    rows,
  );
  for (const id of ['sst2', 'cola', 'mrpc', 'stsb', 'mnli-m', 'rte']) {
    it(id, () => {
      fc.assert(
        fc.property(text, (s) => {
          try {
            const out = readGlueTsv(s, 'fuzz.tsv', task(id));
            expect(out.length).toBeGreaterThan(0);
            for (const ex of out) expect(Number.isFinite(ex.label)).toBe(true);
          } catch (err) {
            expect(err).toBeInstanceOf(DataError);
          }
        }),
        { numRuns: 400 },
      );
    });
  }
});
