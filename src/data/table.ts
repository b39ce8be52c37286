// The generic reader for the user's own data: a header row naming the columns, tab or comma
// delimited (CSV with RFC 4180 quotes; TSV without quote handling, as GLUE's files), then labels
// resolved across train and dev into class indices or regression scores.
import { DataError } from './errors';
import { checkText, NUMBER_RE, splitLines } from './tsv';
import type { Example } from './types';

/** One data row as written: the text cells and the raw label cell, with its 1-based line. */
export interface TableRow {
  line: number;
  a: string;
  b?: string;
  label: string;
}

/** A parsed user file: which columns were used, and its rows in file order. */
export interface UserTable {
  file: string;
  delimiter: '\t' | ',';
  /** The header names of the columns read (as written in the file). */
  columns: { a: string; b?: string; label: string };
  rows: TableRow[];
}

interface TableRecord {
  line: number;
  cells: string[];
}

// Recognised header names (case-insensitive), pairs first so 'sentence' in question/sentence
// (QNLI) is read as the second text, not as a single sentence.
const PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['sentence1', 'sentence2'],
  ['premise', 'hypothesis'],
  ['question1', 'question2'],
  ['question', 'sentence'],
  ['text_a', 'text_b'],
  ['text1', 'text2'],
];
const SINGLES = ['sentence', 'text'];
const LABELS = ['label', 'score', 'gold_label'];

/**
 * Splits CSV text into records per RFC 4180: fields in double quotes may hold commas, newlines and
 * doubled quotes (""). A quote inside an unquoted field is kept literally. Blank lines are skipped.
 * Throws DataError on an unterminated quote (naming the line where it opened) or on text between
 * a closing quote and the next comma.
 */
export function parseCsv(text: string, file: string): TableRecord[] {
  const out: TableRecord[] = [];
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const endRecord = (): void => {
    cells.push(cell);
    if (cells.length > 1 || cells[0]!.trim() !== '') out.push({ line: recordLine, cells });
    cells = [];
    cell = '';
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"' && cell === '') {
      const open = line;
      i++;
      for (;;) {
        if (i >= text.length) throw new DataError(file, open, 'quoted field is never closed');
        const c = text[i]!;
        if (c === '"' && text[i + 1] === '"') {
          cell += '"';
          i += 2;
        } else if (c === '"') {
          i++;
          break;
        } else {
          if (c === '\n') line++;
          cell += c;
          i++;
        }
      }
      const next = text[i];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
        throw new DataError(file, line, `unexpected text after a closing quote: "${next}"`);
      }
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
      i++;
    } else if (ch === '\n' || ch === '\r') {
      endRecord();
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
    } else {
      cell += ch;
      i++;
    }
  }
  if (cell !== '' || cells.length > 0) endRecord();
  return out;
}

function pickDelimiter(file: string, headerLine: string): '\t' | ',' {
  const lower = file.toLowerCase();
  if (lower.endsWith('.csv')) return ',';
  if (lower.endsWith('.tsv') || lower.endsWith('.tab')) return '\t';
  if (headerLine.includes('\t')) return '\t';
  if (headerLine.includes(',')) return ',';
  throw new DataError(file, 1, 'the header row has neither tabs nor commas between column names');
}

/** Column positions of the text(s) and the label, from header names (case-insensitive). */
export interface ColumnMatch {
  a: number;
  b?: number;
  label: number;
}

/**
 * Finds the text and label columns among `names` by the recognised names (see readUserTable),
 * or undefined when there is no text or no label column.
 */
export function matchColumns(names: readonly string[]): ColumnMatch | undefined {
  const lower = names.map((n) => n.trim().toLowerCase());
  const at = (name: string): number => lower.indexOf(name);
  const label = LABELS.map(at).find((k) => k >= 0);
  const pair = PAIRS.map(([x, y]) => [at(x), at(y)] as const).find(([x, y]) => x >= 0 && y >= 0);
  const single = SINGLES.map(at).find((k) => k >= 0);
  if (label === undefined) return undefined;
  if (pair) return { a: pair[0], b: pair[1], label };
  return single === undefined ? undefined : { a: single, label };
}

function findColumns(names: string[], file: string, line: number): ColumnMatch {
  const match = matchColumns(names);
  if (match) return match;
  const found = names.map((n) => `"${n.trim()}"`).join(', ');
  const why =
    'the header needs a text column (sentence or text, or a pair such as ' +
    `sentence1/sentence2) and a label column (label or score); found ${found}`;
  throw new DataError(file, line, why);
}

/**
 * Reads a user's labelled table. The first non-blank line is a header naming the columns:
 * text `sentence` or `text`, or a pair (`sentence1`/`sentence2`, `premise`/`hypothesis`,
 * `question1`/`question2`, `question`/`sentence`, `text_a`/`text_b`), and `label`, `score` or
 * `gold_label`; other columns are ignored. Delimiter: from the extension (.csv comma, .tsv tab),
 * else a tab in the header, else a comma. Every row must have the header's column count.
 * Labels stay raw strings here; `resolveLabels` turns them into numbers.
 */
export function readUserTable(text: string, file: string): UserTable {
  const body = checkText(text, file);
  const firstLine = splitLines(body)[0]!;
  const delimiter = pickDelimiter(file, firstLine.text);
  const records: TableRecord[] =
    delimiter === ','
      ? parseCsv(body, file)
      : splitLines(body).map(({ line, text: t }) => ({ line, cells: t.split('\t') }));
  const header = records[0];
  if (!header) throw new DataError(file, undefined, 'no header row');
  const idx = findColumns(header.cells, file, header.line);
  const name = (k: number): string => header.cells[k]!.trim();
  const rows: TableRow[] = [];
  for (let r = 1; r < records.length; r++) {
    const { line, cells } = records[r]!;
    if (cells.length !== header.cells.length) {
      const why = `expected ${header.cells.length} columns, found ${cells.length}`;
      throw new DataError(file, line, why);
    }
    const row: TableRow = { line, a: cells[idx.a]!.trim(), label: cells[idx.label]!.trim() };
    if (row.label === '')
      throw new DataError(file, line, `empty label in column "${name(idx.label)}"`);
    if (idx.b !== undefined) row.b = cells[idx.b]!.trim();
    rows.push(row);
  }
  if (rows.length === 0) throw new DataError(file, undefined, 'no rows after the header');
  const columns: UserTable['columns'] = { a: name(idx.a), label: name(idx.label) };
  if (idx.b !== undefined) columns.b = name(idx.b);
  return { file, delimiter, columns, rows };
}

/** How raw label cells become numbers, decided from the train file, applied to train and dev. */
export type LabelScheme = { kind: 'classification'; labelNames: string[] } | { kind: 'regression' };

/** Most classes a user table may have; more suggests a score column read as classes. */
export const MAX_CLASSES = 1000;

const isNumeric = (cell: string): boolean => NUMBER_RE.test(cell);

/** Canonical class key: numbers by value ('1.0' = '1'), names as written. */
function classKey(cell: string, numeric: boolean): string {
  return numeric ? String(Number(cell)) : cell;
}

/**
 * Decides how `train`'s labels are read. Auto (no `kind`): when most cells are numbers, any
 * non-integer makes it regression, otherwise classification; when most are not numbers,
 * classification by name. Classes are the distinct train labels sorted (numbers by value, names
 * by code point), so 0/1 stay 0/1 and 'negative'/'positive' become 0/1 whatever the row order.
 * Throws DataError for fewer than 2 classes or more than MAX_CLASSES.
 */
export function inferLabelScheme(
  train: UserTable,
  kind?: 'classification' | 'regression',
): LabelScheme {
  const cells = train.rows.map((r) => r.label);
  const numericCount = cells.filter(isNumeric).length;
  const mostlyNumeric = numericCount * 2 > cells.length;
  const fractional = cells.some((c) => isNumeric(c) && !Number.isInteger(Number(c)));
  if (kind === 'regression' || (kind === undefined && mostlyNumeric && fractional)) {
    return { kind: 'regression' };
  }
  const allNumeric = numericCount === cells.length;
  const keys = [...new Set(cells.map((c) => classKey(c, allNumeric)))];
  keys.sort(allNumeric ? (x, y) => Number(x) - Number(y) : (x, y) => (x < y ? -1 : x > y ? 1 : 0));
  if (keys.length < 2) {
    const only = keys[0] ?? '';
    const why = `every row has the label "${only}"; a classifier needs at least 2 classes`;
    throw new DataError(train.file, undefined, why);
  }
  if (keys.length > MAX_CLASSES) {
    const why =
      `${keys.length} different labels in column "${train.columns.label}" (at most ` +
      `${MAX_CLASSES} classes); if it holds scores, load the task as regression`;
    throw new DataError(train.file, undefined, why);
  }
  return { kind: 'classification', labelNames: keys };
}

/**
 * Turns a table's rows into examples under `scheme`. Classification: a label not among the
 * scheme's classes throws DataError at its line, naming `trainFile`; regression: a cell that is
 * not a number throws.
 */
export function applyLabelScheme(
  table: UserTable,
  scheme: LabelScheme,
  trainFile: string,
): Example[] {
  let toLabel: (cell: string, line: number) => number;
  if (scheme.kind === 'regression') {
    toLabel = (cell, line) => {
      if (!isNumeric(cell))
        throw new DataError(table.file, line, `score "${cell}" is not a number`);
      return Number(cell);
    };
  } else {
    const numeric = scheme.labelNames.every(isNumeric);
    const index = new Map(scheme.labelNames.map((name, k) => [name, k]));
    toLabel = (cell, line) => {
      const k = index.get(isNumeric(cell) && numeric ? classKey(cell, true) : cell);
      if (k !== undefined) return k;
      const known = scheme.labelNames.join(', ');
      const why =
        table.file === trainFile
          ? `label "${cell}" is not one of ${known}`
          : `label "${cell}" does not occur in ${trainFile} (labels: ${known})`;
      throw new DataError(table.file, line, why);
    };
  }
  return table.rows.map((r) => {
    const label = toLabel(r.label, r.line);
    return r.b === undefined ? { a: r.a, label } : { a: r.a, b: r.b, label };
  });
}
