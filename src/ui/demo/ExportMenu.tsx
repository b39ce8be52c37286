// Exports of the current run: its metrics as CSV and each chart on the page as PNG. The chart list
// is read from the page when the menu opens, so every recharts chart in a panel is offered.
import { useRef, useState } from 'react';
import { appStore, useApp } from '../../store';
import { currentMetricsCsv, slug } from '../../store/exports';
import { chartToPng, downloadBlob, findCharts } from './chart-png';

/** The export menu (a disclosure: Enter or Space opens it, Esc closes it). */
export function ExportMenu() {
  const hasMetrics = useApp((s) => s.metrics.loss.seen > 0 || s.metrics.evals.seen > 0);
  const [charts, setCharts] = useState<string[]>([]);
  const [status, setStatus] = useState('');
  const ref = useRef<HTMLDetailsElement>(null);

  const csv = (): void => {
    const out = currentMetricsCsv(appStore.getState());
    if (!out) {
      setStatus('No metrics yet: start a run first.');
      return;
    }
    downloadBlob(new Blob([out.csv], { type: 'text/csv;charset=utf-8' }), out.fileName);
    const thinned =
      out.stride > 1 ? `; every ${out.stride}th step of ${out.seen}, as the chart keeps them` : '';
    setStatus(`Saved ${out.fileName} (${out.rows} training steps${thinned}).`);
  };

  const png = async (title: string): Promise<void> => {
    const target = findCharts().find((c) => c.title === title);
    if (!target) {
      setStatus(`${title}: the chart is not on the page any more.`);
      return;
    }
    try {
      const blob = await chartToPng(target);
      const fileName = `distillery-${slug(title)}.png`;
      downloadBlob(blob, fileName);
      setStatus(`Saved ${fileName}.`);
    } catch (e) {
      setStatus(e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <details
      ref={ref}
      className="demo-menu"
      data-testid="export.menu"
      onToggle={(e) => {
        if (e.currentTarget.open) setCharts(findCharts().map((c) => c.title));
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && ref.current?.open) {
          ref.current.open = false;
          ref.current.querySelector('summary')?.focus();
        }
      }}
    >
      <summary data-testid="export.open">Export</summary>
      <div className="demo-menu-body export-body">
        <button type="button" data-testid="export.csv" disabled={!hasMetrics} onClick={csv}>
          Metrics of this run (CSV)
        </button>
        {charts.length === 0 ? (
          <p className="hint">Charts can be saved once they have data.</p>
        ) : (
          charts.map((title) => (
            <button
              key={title}
              type="button"
              data-testid="export.png"
              data-chart={title}
              onClick={() => void png(title)}
            >
              {title} (PNG)
            </button>
          ))
        )}
        <p className="hint" role="status" data-testid="export.status">
          {status}
        </p>
      </div>
    </details>
  );
}
