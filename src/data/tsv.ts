// Reading GLUE's TSV files as they really are: UTF-8 byte-order mark (MRPC), CRLF or LF, no quote
// handling (MRPC has unbalanced `"`), trailing spaces (SST-2), a missing final newline (CoLA dev),
// headerless files (CoLA, STS-B). Also the text checks every reader shares (empty, binary, not
// UTF-8). A file either parses completely or throws one DataError naming file, line and problem.
import { DataError } from './errors';
import type { GlueTask, LabelFormat } from './glue';
import type { Example, TaskSpec } from './types';

/** One physical line of a file, 1-based. */
export interface TextLine {
  line: number;
  text: string;
}

/**
 * Decodes bytes as strict UTF-8 (throws DataError on invalid sequences) and checks the text as
 * `checkText` does. Use this when the bytes are at hand (fetch, File.arrayBuffer()).
 */
export function decodeText(bytes: ArrayBuffer | Uint8Array, file: string): string {
  let text: string;
  try {
    // ignoreBOM: keep the BOM so checkText strips it in one place.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new DataError(file, undefined, 'not UTF-8 text (binary file or another encoding?)');
  }
  return checkText(text, file);
}

/**
 * Strips a leading byte-order mark and rejects text that cannot be a data file: empty (or only
 * whitespace), containing NUL characters (binary), or containing U+FFFD, the replacement
 * character a lenient decoder (File.text()) leaves where the bytes were not UTF-8.
 */
export function checkText(text: string, file: string): string {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') throw new DataError(file, undefined, 'empty file');
  const nul = body.indexOf('\u0000');
  if (nul >= 0) {
    throw new DataError(file, lineAt(body, nul), 'binary content (a NUL character), not text');
  }
  const bad = body.indexOf('\uFFFD');
  if (bad >= 0) {
    throw new DataError(file, lineAt(body, bad), 'not valid UTF-8 text (an undecodable byte)');
  }
  return body;
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * Splits text into its non-blank lines with 1-based line numbers: LF or CRLF endings, a missing
 * final newline, blank (or whitespace-only) lines skipped wherever they are.
 */
export function splitLines(text: string): TextLine[] {
  const out: TextLine[] = [];
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    let t = raw[i]!;
    if (t.endsWith('\r')) t = t.slice(0, -1);
    if (t.trim() !== '') out.push({ line: i + 1, text: t });
  }
  return out;
}

function classIndexOrThrow(cell: string, spec: TaskSpec, file: string, line: number): number {
  if (/^\d+$/.test(cell)) {
    const k = Number(cell);
    if (k < spec.numLabels) return k;
  }
  throw new DataError(
    file,
    line,
    `label "${cell}" is not in the task's label set (0..${spec.numLabels - 1})`,
  );
}

/** Matches a plain decimal number: optional sign, digits and/or a fraction, optional exponent. */
export const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Parses one label cell in `format`: a class index, a class name (index in spec.labelNames), or a
 * score within [min, max]. Throws DataError naming the line when the cell does not fit.
 */
export function parseLabel(
  cell: string,
  format: LabelFormat,
  spec: TaskSpec,
  file: string,
  line: number,
): number {
  switch (format.kind) {
    case 'index':
      return classIndexOrThrow(cell, spec, file, line);
    case 'names': {
      const k = spec.labelNames.indexOf(cell);
      if (k < 0) {
        const set = spec.labelNames.join(', ');
        throw new DataError(file, line, `label "${cell}" is not one of ${set}`);
      }
      return k;
    }
    case 'score': {
      if (!NUMBER_RE.test(cell)) throw new DataError(file, line, `score "${cell}" is not a number`);
      const v = Number(cell);
      if (v < format.min || v > format.max) {
        throw new DataError(file, line, `score ${cell} is outside ${format.min}..${format.max}`);
      }
      return v;
    }
  }
}

interface ColumnIndex {
  count: number;
  a: number;
  b: number | undefined;
  label: number;
}

/** Column positions from a header row, or a DataError naming the missing column. */
function headerColumns(task: GlueTask, header: TextLine, file: string): ColumnIndex {
  const cols = task.columns;
  if (!cols.header) throw new Error('headerColumns: headerless layout');
  const names = header.text.split('\t').map((c) => c.trim());
  const find = (name: string): number => {
    const k = names.indexOf(name);
    if (k < 0) {
      const found = names.map((n) => `"${n}"`).join(', ');
      const why = `header has no "${name}" column for ${task.name} (found ${found})`;
      throw new DataError(file, header.line, why);
    }
    return k;
  };
  return {
    count: names.length,
    a: find(cols.a),
    b: cols.b === undefined ? undefined : find(cols.b),
    label: find(cols.label),
  };
}

/**
 * Parses one labelled GLUE TSV file (train or dev) of `task` into examples, in file order.
 * Every data row must have exactly the header's column count (or the layout's, headerless).
 * Text cells are trimmed; no quote processing. Throws DataError (file, line, problem) on the
 * first bad row, or when the file is empty, binary, or has a header but no rows.
 */
export function readGlueTsv(text: string, file: string, task: GlueTask): Example[] {
  const lines = splitLines(checkText(text, file));
  let start = 0;
  let idx: ColumnIndex;
  const cols = task.columns;
  if (cols.header) {
    idx = headerColumns(task, lines[0]!, file);
    start = 1;
  } else {
    idx = { count: cols.columns, a: cols.a, b: cols.b, label: cols.label };
    const first = lines[0]!.text.split('\t');
    if (cols.optionalHeader !== undefined && first[cols.label]?.trim() === cols.optionalHeader) {
      start = 1;
    }
  }
  if (lines.length <= start) throw new DataError(file, undefined, 'no rows after the header');
  const out: Example[] = new Array<Example>(lines.length - start);
  for (let i = start; i < lines.length; i++) {
    const { line, text: row } = lines[i]!;
    const cells = row.split('\t');
    if (cells.length !== idx.count) {
      const why = `expected ${idx.count} columns, found ${cells.length}`;
      throw new DataError(file, line, why);
    }
    const label = parseLabel(cells[idx.label]!.trim(), task.labels, task.spec, file, line);
    const a = cells[idx.a]!.trim();
    out[i - start] = idx.b === undefined ? { a, label } : { a, b: cells[idx.b]!.trim(), label };
  }
  return out;
}
