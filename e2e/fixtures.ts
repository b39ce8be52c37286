// Shared e2e helpers: collect console errors and uncaught page errors, so a spec can assert that
// a whole session stayed clean.
import type { Page } from '@playwright/test';

/** Starts collecting `console.error` messages and uncaught errors of `page`; returns the list. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console.error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  return errors;
}

/** Arithmetic mean (NaN for an empty list). */
export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** An uploadable file for Playwright's setInputFiles / FileChooser.setFiles. */
export interface FilePayload {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

const EASY_POSITIVE = [
  'great',
  'superb',
  'wonderful',
  'brilliant',
  'charming',
  'delightful',
  'moving',
  'excellent',
];
const EASY_NEGATIVE = [
  'awful',
  'dull',
  'tedious',
  'bland',
  'boring',
  'clumsy',
  'dreadful',
  'terrible',
];
const EASY_SUBJECTS = [
  'the film',
  'the plot',
  'the cast',
  'the ending',
  'the score',
  'the script',
  'the pacing',
  'the acting',
];

function easyRows(shift: number, limit: number): string {
  const rows = ['sentence\tlabel'];
  EASY_SUBJECTS.forEach((subject, i) => {
    EASY_POSITIVE.forEach((_, j) => {
      const k = (i + j + shift) % EASY_POSITIVE.length;
      rows.push(`${subject} was ${EASY_POSITIVE[k]} .\tpositive`);
      rows.push(`${subject} was ${EASY_NEGATIVE[k]} .\tnegative`);
    });
  });
  return `${rows.slice(0, limit + 1).join('\n')}\n`;
}

/** The words of `easyTaskFiles()` (each once, lower case): a WordPiece vocabulary covers it. */
export function easyTaskWords(): string[] {
  const words = [...EASY_SUBJECTS.flatMap((s) => s.split(' ')), 'was', '.'];
  return [...new Set([...words, ...EASY_POSITIVE, ...EASY_NEGATIVE])];
}

/**
 * A task a one-layer, width-32 encoder learns within ~40 steps ("<subject> was <adjective> .",
 * the adjective decides): 128 train rows and 32 dev rows in the own-data TSV layout. The embedded
 * task needs a larger model and hundreds of steps (measured on wasm: tiny-L1-H32 stays at chance
 * after 300 steps; bert-L2-H128 reaches ~0.71 accuracy), too slow for software WebGPU.
 */
export function easyTaskFiles(): FilePayload[] {
  const tsv = (name: string, text: string): FilePayload => ({
    name,
    mimeType: 'text/tab-separated-values',
    buffer: Buffer.from(text),
  });
  return [tsv('easy_train.tsv', easyRows(0, 128)), tsv('easy_dev.tsv', easyRows(3, 32))];
}
