// Charts as PNG, with no new dependency: each recharts chart is an <svg> whose colours come from CSS
// (custom properties, the theme); the copy gets every element's computed paint inlined, is drawn
// on a canvas at twice the size over the panel's background, with the chart's title above and its
// legend (HTML in recharts) drawn below. Also the one download helper the exports share.

/** A chart on the page that can be exported. */
export interface ChartTarget {
  /** As the export menu names it: the panel title, plus a number when a panel holds several. */
  title: string;
  /** The recharts wrapper (holds the <svg> and the HTML legend). */
  element: HTMLElement;
}

/** Every recharts chart inside a dashboard panel, in page order. */
export function findCharts(root: ParentNode = document): ChartTarget[] {
  const out: ChartTarget[] = [];
  for (const panel of root.querySelectorAll<HTMLElement>('section.panel')) {
    const wrappers = [...panel.querySelectorAll<HTMLElement>('.recharts-wrapper')];
    const panelTitle = panel.querySelector('h2')?.textContent?.trim() || 'Chart';
    wrappers.forEach((element, i) => {
      // A panel of several charts: each one's own heading if it has one, else a number.
      const own = element.closest('figure')?.querySelector('figcaption, h3')?.textContent?.trim();
      const title = own
        ? `${panelTitle}: ${own}`
        : wrappers.length > 1
          ? `${panelTitle} (${i + 1})`
          : panelTitle;
      out.push({ title, element });
    });
  }
  return out;
}

// Presentation properties that CSS may set and a standalone SVG image would otherwise lose.
const PAINT = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-opacity',
  'stroke-dasharray',
  'opacity',
  'visibility',
  'display',
  'font-family',
  'font-size',
  'font-weight',
  'text-anchor',
  'dominant-baseline',
] as const;

/** A self-contained copy of `svg`: computed paint inlined, explicit size, namespace set. */
export function standaloneSvg(svg: SVGSVGElement): { text: string; width: number; height: number } {
  const { width, height } = svg.getBoundingClientRect();
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const originals = [svg, ...svg.querySelectorAll('*')];
  const copies = [copy, ...copy.querySelectorAll('*')];
  originals.forEach((el, i) => {
    const target = copies[i];
    if (!(target instanceof Element)) return;
    const cs = getComputedStyle(el);
    const style = PAINT.map((p) => `${p}:${cs.getPropertyValue(p)}`).join(';');
    target.setAttribute('style', style);
  });
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.setAttribute('width', String(width));
  copy.setAttribute('height', String(height));
  return { text: new XMLSerializer().serializeToString(copy), width, height };
}

/** The legend entries recharts drew as HTML: label and colour. */
function legendOf(chart: HTMLElement): Array<{ label: string; color: string }> {
  return [...chart.querySelectorAll<HTMLElement>('.recharts-legend-item')].map((item) => {
    const text = item.querySelector<HTMLElement>('.recharts-legend-item-text');
    const icon = item.querySelector<SVGElement>('svg path, svg line');
    const iconStyle = icon ? getComputedStyle(icon) : null;
    const fromIcon = iconStyle && iconStyle.stroke !== 'none' ? iconStyle.stroke : iconStyle?.fill;
    return {
      label: (text?.textContent ?? item.textContent ?? '').trim(),
      color: fromIcon || (text ? getComputedStyle(text).color : '#888'),
    };
  });
}

/** The plot's <svg>: the wrapper's largest (legend icons are small svg.recharts-surface too). */
function plotOf(chart: HTMLElement): SVGSVGElement | null {
  let best: SVGSVGElement | null = null;
  let bestArea = 0;
  for (const svg of chart.querySelectorAll<SVGSVGElement>('svg.recharts-surface')) {
    const r = svg.getBoundingClientRect();
    if (r.width * r.height > bestArea) {
      best = svg;
      bestArea = r.width * r.height;
    }
  }
  return best;
}

function loadImage(src: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('the chart could not be drawn as an image'));
    img.src = src;
  });
}

const SCALE = 2;
const PAD = 16;
const TITLE_H = 28;
const LEGEND_H = 24;

/** Renders a chart (title, plot, legend) to a PNG blob at twice its on-screen size. */
export async function chartToPng(target: ChartTarget): Promise<Blob> {
  const svg = plotOf(target.element);
  if (!svg) throw new Error(`${target.title}: the chart has nothing drawn yet`);
  const { text, width, height } = standaloneSvg(svg);
  const img = await loadImage(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`);
  const legend = legendOf(target.element);
  const panel = target.element.closest('section.panel') ?? document.body;
  const ps = getComputedStyle(panel);
  const font = ps.fontFamily || 'sans-serif';
  const canvas = document.createElement('canvas');
  const w = width + 2 * PAD;
  const h = TITLE_H + height + (legend.length > 0 ? LEGEND_H : 0) + 2 * PAD;
  canvas.width = Math.ceil(w * SCALE);
  canvas.height = Math.ceil(h * SCALE);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('this browser cannot draw on a canvas');
  ctx.scale(SCALE, SCALE);
  ctx.fillStyle = ps.backgroundColor || '#ffffff';
  ctx.fillRect(0, 0, w, h);
  ctx.fillStyle = ps.color || '#000000';
  ctx.font = `600 16px ${font}`;
  ctx.textBaseline = 'middle';
  ctx.fillText(target.title, PAD, PAD + TITLE_H / 2);
  ctx.drawImage(img, PAD, PAD + TITLE_H, width, height);
  let x = PAD;
  const y = PAD + TITLE_H + height + LEGEND_H / 2;
  ctx.font = `13px ${font}`;
  for (const { label, color } of legend) {
    ctx.fillStyle = color;
    ctx.fillRect(x, y - 2, 14, 4);
    x += 20;
    ctx.fillStyle = ps.color || '#000000';
    ctx.fillText(label, x, y);
    x += ctx.measureText(label).width + 18;
  }
  return new Promise((resolve, reject) => {
    canvas.toBlob(
      (b) => (b ? resolve(b) : reject(new Error('the PNG could not be encoded'))),
      'image/png',
    );
  });
}

/** Saves `blob` as a download named `fileName`. */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  // The download has its own reference once started; free ours after the click is handled.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
