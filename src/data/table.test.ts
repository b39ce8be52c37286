// The generic reader for user tables: CSV quoting, delimiter and column detection, label
// schemes (ints, floats, names), each error with its place, and a fuzz of both parsers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataError } from './errors';
import { applyLabelScheme, inferLabelScheme, matchColumns, parseCsv, readUserTable } from './table';
import { expectDataError } from '../../test/fixtures/expect-data-error';

describe('parseCsv (RFC 4180)', () => {
  it('handles quoted commas, doubled quotes, newlines in quotes and CRLF', () => {
    const text =
      'text,label\r\n"a, b",1\r\n"she said ""hi""",0\r\n"two\nlines",1\r\nplain "quote,0\r\n';
    expect(parseCsv(text, 'f.csv')).toEqual([
      { line: 1, cells: ['text', 'label'] },
      { line: 2, cells: ['a, b', '1'] },
      { line: 3, cells: ['she said "hi"', '0'] },
      { line: 4, cells: ['two\nlines', '1'] },
      { line: 6, cells: ['plain "quote', '0'] },
    ]);
  });

  it('keeps empty and empty-quoted fields, skips blank lines', () => {
    expect(parseCsv('a,,""\n\n"",x\n', 'f.csv')).toEqual([
      { line: 1, cells: ['a', '', ''] },
      { line: 3, cells: ['', 'x'] },
    ]);
  });

  it('names the line of an unclosed quote and of text after a closing quote', () => {
    expect(
      expectDataError(() => parseCsv('text,label\nok,1\n"never closed,0\nmore,1\n', 'u.csv'))
        .message,
    ).toBe('u.csv line 3: quoted field is never closed');
    expect(expectDataError(() => parseCsv('text,label\n"a"b,1\n', 'u.csv')).message).toBe(
      'u.csv line 2: unexpected text after a closing quote: "b"',
    );
  });
});

describe('readUserTable', () => {
  it('reads a CSV with single sentences, ignoring extra columns', () => {
    const t = readUserTable('id,Text,label\n1,"great, really",pos\n2,awful,neg\n', 'reviews.csv');
    expect(t.delimiter).toBe(',');
    expect(t.columns).toEqual({ a: 'Text', label: 'label' });
    expect(t.rows).toEqual([
      { line: 2, a: 'great, really', label: 'pos' },
      { line: 3, a: 'awful', label: 'neg' },
    ]);
  });

  it('detects tabs without an extension and reads pairs, without quote handling', () => {
    const t = readUserTable('premise\thypothesis\tlabel\n"A\tB "c\t1\n', 'data.txt');
    expect(t.delimiter).toBe('\t');
    expect(t.columns).toEqual({ a: 'premise', b: 'hypothesis', label: 'label' });
    expect(t.rows).toEqual([{ line: 2, a: '"A', b: 'B "c', label: '1' }]);
  });

  it('prefers a pair question/sentence over a single sentence column', () => {
    expect(matchColumns(['question', 'sentence', 'label'])).toEqual({ a: 0, b: 1, label: 2 });
    expect(matchColumns(['sentence', 'score'])).toEqual({ a: 0, label: 1 });
    expect(matchColumns(['sentence', 'stars'])).toBeUndefined();
  });

  // prettier-ignore
  const errors: Array<[string, string, string]> = [
    ['sentence,label\ngood,1\nbad\n', 'my.csv', 'my.csv line 3: expected 2 columns, found 1'],
    ['sentence,label\n', 'my.csv', 'my.csv: no rows after the header'],
    ['words,stars\ngood,5\n', 'my.csv', 'my.csv line 1: the header needs a text column (sentence or text, or a pair such as sentence1/sentence2) and a label column (label or score); found "words", "stars"'],
    ['sentence label\ngood 1\n', 'my.txt', 'my.txt line 1: the header row has neither tabs nor commas between column names'],
    ['\n\n', 'my.csv', 'my.csv: empty file'],
    ['text,Label\nfine,1\nfine,\n', 'my.csv', 'my.csv line 3: empty label in column "Label"'],
  ];
  for (const [text, file, message] of errors) {
    it(message, () =>
      expect(expectDataError(() => readUserTable(text, file)).message).toBe(message),
    );
  }
});

const table = (labels: string[], file = 'train.csv') =>
  readUserTable(`text,label\n${labels.map((l, i) => `row ${i},${l}`).join('\n')}\n`, file);

describe('label schemes', () => {
  it('integers 0/1 stay 0/1; names sort, whatever the row order', () => {
    expect(inferLabelScheme(table(['1', '0', '1']))).toEqual({
      kind: 'classification',
      labelNames: ['0', '1'],
    });
    const names = inferLabelScheme(table(['positive', 'negative']));
    expect(names).toEqual({ kind: 'classification', labelNames: ['negative', 'positive'] });
    expect(
      applyLabelScheme(table(['positive', 'negative']), names, 'train.csv').map((e) => e.label),
    ).toEqual([1, 0]);
  });

  it('star ratings 1..5 become classes 0..4, sorted by value not by text', () => {
    const s = inferLabelScheme(table(['10', '2', '1', '2']));
    expect(s).toEqual({ kind: 'classification', labelNames: ['1', '2', '10'] });
    expect(applyLabelScheme(table(['2', '10', '1.0']), s, 'train.csv').map((e) => e.label)).toEqual(
      [1, 2, 0],
    );
  });

  it('a fraction makes it regression; kind can be forced', () => {
    expect(inferLabelScheme(table(['0.5', '3', '4.25']))).toEqual({ kind: 'regression' });
    expect(inferLabelScheme(table(['0', '3', '5']), 'regression')).toEqual({ kind: 'regression' });
    const rows = applyLabelScheme(
      table(['0.5', '-1', '4e-1']),
      { kind: 'regression' },
      'train.csv',
    );
    expect(rows.map((e) => e.label)).toEqual([0.5, -1, 0.4]);
  });

  it('errors: one class, unknown dev label, non-numeric score', () => {
    expect(expectDataError(() => inferLabelScheme(table(['pos', 'pos']))).message).toBe(
      'train.csv: every row has the label "pos"; a classifier needs at least 2 classes',
    );
    const s = inferLabelScheme(table(['pos', 'neg']));
    const dev = expectDataError(() =>
      applyLabelScheme(table(['neg', 'meh'], 'dev.csv'), s, 'train.csv'),
    );
    expect(dev.message).toBe(
      'dev.csv line 3: label "meh" does not occur in train.csv (labels: neg, pos)',
    );
    expect(dev.line).toBe(3);
    const reg = expectDataError(() =>
      applyLabelScheme(
        table(['0.5', 'n/a', '1.5']),
        inferLabelScheme(table(['0.5', 'n/a', '1.5'])),
        'train.csv',
      ),
    );
    expect(reg.message).toBe('train.csv line 3: score "n/a" is not a number');
  });
});

describe('fuzz: the generic reader parses or throws DataError', () => {
  const pieces = [
    ',',
    '\t',
    '\n',
    '\r\n',
    '"',
    '""',
    ' ',
    'text',
    'sentence1',
    'sentence2',
    'label',
    'score',
    '0',
    '1',
    '2.5',
    'pos',
    'neg',
    'x',
    '\uFEFF',
    '\u0000',
  ];
  // Near-valid tables: a good header, then rows of arbitrary cells and labels.
  const cell = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(...pieces));
  const label = fc.constantFrom('0', '1', '3', 'pos', 'neg', '2.5', '-1', 'x', '', '"1"');
  const table = fc
    .tuple(fc.constantFrom(',', '\t'), fc.array(fc.tuple(cell, label), { maxLength: 12 }))
    .map(([d, rows]) => `text${d}label\n${rows.map(([a, l]) => `${a}${d}${l}`).join('\n')}`);
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.array(fc.constantFrom(...pieces), { maxLength: 60 }).map((xs) => xs.join('')),
    table,
  );
  for (const file of ['f.csv', 'f.tsv', 'f.txt']) {
    it(file, () => {
      fc.assert(
        fc.property(text, (s) => {
          try {
            const t = readUserTable(s, file);
            const scheme = inferLabelScheme(t);
            for (const ex of applyLabelScheme(t, scheme, file))
              expect(Number.isFinite(ex.label)).toBe(true);
          } catch (err) {
            expect(err).toBeInstanceOf(DataError);
          }
        }),
        { numRuns: 500 },
      );
    });
  }
});
