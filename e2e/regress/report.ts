// The regression report: JSON for machines and one self-contained HTML page for people (inline
// SVG curves of each run against its baseline, the checks with their deltas and limits; no
// scripts, styles inline, nothing fetched), written to reports/regress/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Baseline, CaseVerdict, Check, RunEnv, RunMeasure } from './compare';

export type CaseStatus = 'pass' | 'fail' | 'updated' | 'skipped' | 'no-baseline' | 'error';

export interface CaseReport {
  name: string;
  title: string;
  configUrl: string;
  status: CaseStatus;
  /** Why it was skipped, failed to run, or failed its checks (one line per failed check). */
  reason: string | null;
  env: RunEnv | null;
  measure: RunMeasure | null;
  baseline: Baseline | null;
  verdict: CaseVerdict | null;
}

export interface RegressReport {
  suite: string;
  createdAt: string;
  update: boolean;
  cases: CaseReport[];
}

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface Series {
  name: string;
  /** [x, y]; null y values break the line. */
  points: Array<[number, number | null]>;
  color: string;
  dashed?: boolean;
}

/** A line chart as an inline SVG string: axes with min/max labels, one polyline run per series. */
export function svgChart(
  title: string,
  xLabel: string,
  series: Series[],
  width = 520,
  height = 220,
): string {
  const pad = { l: 56, r: 12, t: 24, b: 34 };
  const pts = series.flatMap((s) =>
    s.points.filter((p): p is [number, number] => p[1] !== null && Number.isFinite(p[1])),
  );
  if (pts.length === 0) {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${esc(title)}: no data"><text x="10" y="20" font-size="12">${esc(title)}: no data</text></svg>`;
  }
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y0 === y1) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const sx = (x: number) => pad.l + ((x - x0) / (x1 - x0 || 1)) * (width - pad.l - pad.r);
  const sy = (y: number) => pad.t + (1 - (y - y0) / (y1 - y0)) * (height - pad.t - pad.b);
  const lines = series
    .map((s) => {
      const runs: string[][] = [[]];
      for (const [x, y] of s.points) {
        if (y === null || !Number.isFinite(y)) runs.push([]);
        else runs[runs.length - 1]!.push(`${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
      }
      const dash = s.dashed ? ' stroke-dasharray="5 4"' : '';
      return runs
        .filter((r) => r.length > 0)
        .map((r) =>
          r.length === 1
            ? `<circle cx="${r[0]!.split(',')[0]}" cy="${r[0]!.split(',')[1]}" r="2.5" fill="${s.color}"/>`
            : `<polyline fill="none" stroke="${s.color}" stroke-width="1.6"${dash} points="${r.join(' ')}"/>`,
        )
        .join('');
    })
    .join('');
  const legend = series
    .map(
      (s, i) =>
        `<text x="${pad.l + 8 + i * 150}" y="14" font-size="11" fill="${s.color}">${s.dashed ? '- - ' : '— '}${esc(s.name)}</text>`,
    )
    .join('');
  const fmt = (v: number) => (Math.abs(v) >= 100 || v === 0 ? v.toFixed(0) : v.toPrecision(3));
  const axes =
    `<line x1="${pad.l}" y1="${height - pad.b}" x2="${width - pad.r}" y2="${height - pad.b}" stroke="#888"/>` +
    `<line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${height - pad.b}" stroke="#888"/>` +
    `<text x="${pad.l - 4}" y="${pad.t + 4}" font-size="10" text-anchor="end">${fmt(y1)}</text>` +
    `<text x="${pad.l - 4}" y="${height - pad.b}" font-size="10" text-anchor="end">${fmt(y0)}</text>` +
    `<text x="${pad.l}" y="${height - pad.b + 14}" font-size="10">${fmt(x0)}</text>` +
    `<text x="${width - pad.r}" y="${height - pad.b + 14}" font-size="10" text-anchor="end">${fmt(x1)}</text>` +
    `<text x="${(pad.l + width - pad.r) / 2}" y="${height - 4}" font-size="10" text-anchor="middle">${esc(xLabel)}</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${esc(title)}">` +
    `<title>${esc(title)}</title>${axes}${lines}${legend}</svg>`
  );
}

/** A query string with its values unescaped, for reading (not for pasting). */
const readable = (query: string): string => {
  const parts: string[] = [];
  new URLSearchParams(query).forEach((v, k) => parts.push(`${k}=${v}`));
  return parts.join('&');
};

const indexed = (ys: readonly (number | null)[]): Array<[number, number | null]> =>
  ys.map((y, i) => [i + 1, y]);

function checksTable(checks: Check[]): string {
  const num = (x: number | null) => (x === null ? '–' : String(Number(x.toPrecision(8))));
  const rows = checks
    .map(
      (c) =>
        `<tr class="${c.ok ? 'ok' : 'bad'}"><td>${esc(c.metric)}</td><td>${num(c.baseline)}</td>` +
        `<td>${num(c.current)}</td><td>${num(c.delta)}</td><td>${num(c.allowed)}</td><td>${c.ok ? 'ok' : 'MOVED'}</td></tr>`,
    )
    .join('');
  return `<table><tr><th>metric</th><th>baseline</th><th>current</th><th>|Δ|</th><th>allowed</th><th></th></tr>${rows}</table>`;
}

function caseSection(c: CaseReport): string {
  const series = (pick: (m: RunMeasure) => (number | null)[]): Series[] => [
    ...(c.baseline
      ? [
          {
            name: 'baseline',
            points: indexed(pick(c.baseline.measure)),
            color: '#888',
            dashed: true,
          },
        ]
      : []),
    ...(c.measure
      ? [{ name: 'this run', points: indexed(pick(c.measure)), color: '#1f6feb' }]
      : []),
  ];
  const charts =
    c.measure || c.baseline
      ? svgChart(
          `${c.name}: training loss`,
          'step',
          series((m) => m.losses),
        ) +
        svgChart(
          `${c.name}: dev main metric`,
          'evaluation',
          series((m) => m.mains),
        )
      : '';
  const env = c.env
    ? `<p class="env">${esc(`${c.env.backend} · ${c.env.adapter} · ${c.env.browser}`)}</p>`
    : '';
  const reason = c.reason ? `<pre>${esc(c.reason)}</pre>` : '';
  const table = c.verdict ? checksTable(c.verdict.checks) : '';
  return (
    `<section id="${esc(c.name)}"><h2><span class="st st-${c.status}">${c.status}</span> ${esc(c.name)}</h2>` +
    `<p>${esc(c.title)}</p><p class="url">URL state: <code>?${esc(readable(c.configUrl))}</code></p>` +
    `${env}${reason}${table}` +
    `<div class="charts">${charts}</div></section>`
  );
}

/** The whole report as one HTML page. */
export function renderHtml(r: RegressReport): string {
  const counts = r.cases.reduce<Record<string, number>>(
    (acc, c) => ({ ...acc, [c.status]: (acc[c.status] ?? 0) + 1 }),
    {},
  );
  const summary = Object.entries(counts)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  const style =
    'body{font:14px system-ui,sans-serif;margin:24px;max-width:1120px;color:#222}' +
    'table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}' +
    'td:first-child,th:first-child{text-align:left}tr.bad td{background:#fde2e2}' +
    '.st{padding:2px 6px;border-radius:4px;font-size:12px;color:#fff;background:#666}' +
    '.st-pass,.st-updated{background:#2da44e}.st-fail,.st-error,.st-no-baseline{background:#cf222e}' +
    '.charts svg{margin-right:12px}pre{background:#f6f8fa;padding:8px;white-space:pre-wrap}code{word-break:break-all}';
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Distillery regression: ${esc(r.suite)}</title>` +
    `<style>${style}</style></head><body><h1>Distillery regression: ${esc(r.suite)} suite</h1>` +
    `<p>${esc(r.createdAt)}${r.update ? ' · baselines updated' : ''} · ${esc(summary)}</p>` +
    `${r.cases.map(caseSection).join('')}</body></html>\n`
  );
}

/** Writes report.json and report.html under `dir`; returns their paths. */
export function writeReport(dir: string, r: RegressReport): { json: string; html: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'report.json');
  const html = join(dir, 'report.html');
  writeFileSync(json, `${JSON.stringify(r, null, 1)}\n`);
  writeFileSync(html, renderHtml(r));
  return { json, html };
}
