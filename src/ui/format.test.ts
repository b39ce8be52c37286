// Table tests for the panels' formatting helpers.
import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatCompact,
  formatCount,
  formatDuration,
  formatPercent,
  formatRate,
  formatTick,
  formatValue,
} from './format';

describe('format', () => {
  it('formats durations', () => {
    // prettier-ignore
    const table: Array<[number | null, string]> = [
      [0, '0:00'], [5.4, '0:05'], [59.6, '1:00'], [61, '1:01'], [3599, '59:59'], [3600, '1:00:00'],
      [3725, '1:02:05'], [null, '–'], [Number.NaN, '–'], [-1, '–'], [Infinity, '–'],
    ];
    for (const [sec, text] of table) expect(formatDuration(sec)).toBe(text);
  });

  it('formats counts, compact counts and bytes', () => {
    expect(formatCount(67349)).toBe('67,349');
    expect(formatCount(872)).toBe('872');
    expect(formatCount(Number.NaN)).toBe('–');
    expect(formatCompact(4385920)).toBe('4.39 M');
    expect(formatCompact(12500)).toBe('12.5 k');
    expect(formatCompact(950)).toBe('950');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MiB');
  });

  it('formats rates, values and percentages', () => {
    expect(formatRate(0)).toBe('–');
    expect(formatRate(12.345)).toBe('12.3');
    expect(formatRate(1234.5)).toBe('1235');
    expect(formatValue(0.693147)).toBe('0.6931');
    expect(formatValue(0)).toBe('0.000');
    expect(formatValue(0.00012)).toBe('1.20e-4');
    expect(formatValue(null)).toBe('–');
    expect(formatPercent(0.1234)).toBe('12.3 %');
    // prettier-ignore
    const ticks: Array<[number, string]> = [
      [0.8, '0.8'], [0.65, '0.65'], [0, '0'], [0.6931, '0.693'], [1200, '1200'], [25000, '2.5e+4'],
      [0.0001, '1.0e-4'], [Number.NaN, ''],
    ];
    for (const [x, text] of ticks) expect(formatTick(x)).toBe(text);
  });
});
