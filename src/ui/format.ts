// Number and time formatting for the panels: durations, rates, counts, bytes and metric values.
// Pure functions, shared by the run panel, the charts and the task summary.

/** Seconds as 'm:ss' under an hour and 'h:mm:ss' above; '–' for null or non-finite input. */
export function formatDuration(sec: number | null | undefined): string {
  if (sec === null || sec === undefined || !Number.isFinite(sec) || sec < 0) return '–';
  const total = Math.round(sec);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A count with thousands separators: 67349 → '67,349'; '–' if not finite. */
export function formatCount(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–';
}

/** A large count in short form: 4385920 → '4.39 M', 12500 → '12.5 k', 950 → '950'. */
export function formatCompact(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toPrecision(3)} G`;
  if (abs >= 1e6) return `${(n / 1e6).toPrecision(3)} M`;
  if (abs >= 1e3) return `${(n / 1e3).toPrecision(3)} k`;
  return String(Math.round(n));
}

/** Bytes in binary units: 1536 → '1.5 KiB'. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** A throughput: 3 significant digits below 100, integers above. */
export function formatRate(perSec: number): string {
  if (!Number.isFinite(perSec) || perSec <= 0) return '–';
  return perSec >= 100 ? String(Math.round(perSec)) : perSec.toPrecision(3);
}

/** A loss or metric value with 4 significant digits; '–' for null or non-finite. */
export function formatValue(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return Math.abs(x) >= 1000 || (Math.abs(x) < 1e-3 && x !== 0)
    ? x.toExponential(2)
    : x.toPrecision(4);
}

/** A share in [0, 1] as a percentage with one decimal: 0.1234 → '12.3 %'. */
export function formatPercent(share: number): string {
  return Number.isFinite(share) ? `${(share * 100).toFixed(1)} %` : '–';
}

/** An axis tick: 3 significant digits without trailing zeros (0.8, 0.65, 1200, 0). */
export function formatTick(x: number): string {
  if (!Number.isFinite(x)) return '';
  return Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0)
    ? x.toExponential(1)
    : String(Number(x.toPrecision(3)));
}
