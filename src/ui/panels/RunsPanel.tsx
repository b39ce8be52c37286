// The Runs panel: every run saved in this browser (name, task, model, status, best dev metric,
// date, size on disk), storage used, and per run: pick its checkpoints for comparison, export a
// checkpoint as safetensors, the run as JSON or its metrics as CSV, delete it; import a run JSON or
// a safetensors checkpoint; resume a run a closed tab or a reload interrupted (or say why it cannot).
// Reads the library store (src/store/library.ts); never touches tfjs.
import { useEffect, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { roleName, type RunRecord } from '../../storage';
import { resumeBlocker, type Download } from '../../store/library';
import { library, useLibrary } from '../../store/library-app';
import { ErrorNote } from '../components/ErrorNote';
import { Panel } from '../components/Panel';
import { formatBytes, formatValue } from '../format';
import './library.css';

/** Saves a Download through a temporary object URL. */
export function saveDownload(d: Download): void {
  const blob = new Blob([typeof d.data === 'string' ? d.data : d.data.slice().buffer], {
    type: d.type,
  });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = d.name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function download(make: Promise<Download | null>): Promise<void> {
  const d = await make;
  if (d) saveDownload(d);
}

function taskName(r: RunRecord): string {
  const t = r.config.task;
  switch (t.source) {
    case 'embedded':
      return `embedded (seed ${t.seed})`;
    case 'file':
      return `${t.task} (${t.files.join(', ') || 'files'})`;
    case 'url':
      return `${t.task} (URL)`;
    case 'hub':
      return `${t.task} (${t.dataset})`;
  }
}

function modelName(r: RunRecord): string {
  const s = r.config.student;
  const m = r.config.model;
  const shape = `L${m.layers}-H${m.hidden}`;
  const base = s && s.kind !== 'bert' ? `${s.kind} (${shape})` : `${r.config.preset} (${shape})`;
  return r.config.kd ? `${base}, KD: ${r.config.kd.method.kind}` : base;
}

/** The best dev result as 'accuracy 0.8125 @ 40'. */
function bestText(r: RunRecord): string {
  const b = r.summary.best;
  if (!b) return '–';
  const name = Object.entries(b.metrics).find(([, v]) => v === b.main)?.[0] ?? 'main';
  return `${name} ${formatValue(b.main)} @ ${b.step}`;
}

function runBytes(r: RunRecord): number {
  return r.checkpoints.reduce((n, c) => n + c.bytes, 0) + r.metrics.bytes;
}

function Usage() {
  const u = useLibrary((s) => s.usage);
  if (!u) return null;
  const ours = u.checkpointBytes + u.metricsBytes;
  return (
    <p className="library-usage" data-testid="runs.usage">
      {u.runs} run{u.runs === 1 ? '' : 's'}, {u.checkpoints} checkpoint
      {u.checkpoints === 1 ? '' : 's'}: <strong>{formatBytes(ours)}</strong> (checkpoints{' '}
      {formatBytes(u.checkpointBytes)}, metrics {formatBytes(u.metricsBytes)})
      {u.browser && (
        <>
          {' '}
          · this site uses {formatBytes(u.browser.usage)} of {formatBytes(u.browser.quota)} (browser
          estimate)
        </>
      )}
    </p>
  );
}

function ImportButton() {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" data-testid="runs.import" onClick={() => input.current?.click()}>
        Import…
      </button>
      <input
        ref={input}
        type="file"
        accept=".json,.safetensors,application/json"
        className="visually-hidden"
        aria-label="Import a run JSON or a safetensors checkpoint"
        data-testid="runs.import.file"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) void library.importFile(file);
        }}
      />
    </>
  );
}

function RunRow({ run }: { run: RunRecord }) {
  const selected = useLibrary(useShallow((s) => s.selected));
  const restored = useLibrary((s) => s.restoredRunId === run.id);
  const hasPoint = useLibrary((s) => s.resumable.includes(run.id));
  const interrupted = run.status === 'interrupted';
  const blocker = interrupted ? resumeBlocker(run, hasPoint) : null;
  const created = new Date(run.createdAt);
  return (
    <tr data-testid="runs.row" data-run-id={run.id} data-status={run.status}>
      <th scope="row">
        <span className="run-name" data-testid="runs.name">
          {run.config.name}
        </span>
        {restored && <span className="tag">shown in the charts</span>}
        <div className="run-sub">
          {modelName(run)} · seed {run.config.train.seed} · {run.summary.step} of{' '}
          {run.summary.totalSteps} steps
        </div>
      </th>
      <td>{taskName(run)}</td>
      <td>
        <span className={`status status-${run.status}`} data-testid="runs.status">
          {run.status}
        </span>
        {run.summary.error && <div className="run-sub">{run.summary.error}</div>}
        {interrupted && blocker === null && (
          <div>
            <button
              type="button"
              data-testid="runs.resume"
              aria-label={`Resume ${run.config.name} from its last evaluation`}
              onClick={() => void library.resume(run.id)}
            >
              Resume
            </button>
          </div>
        )}
        {interrupted && blocker !== null && (
          <div className="run-sub" data-testid="runs.resume.blocked">
            Cannot resume: {blocker}
          </div>
        )}
      </td>
      <td data-testid="runs.best">{bestText(run)}</td>
      <td>
        <time dateTime={created.toISOString()}>{created.toLocaleString()}</time>
      </td>
      <td data-testid="runs.size">{formatBytes(runBytes(run))}</td>
      <td>
        <ul className="ckpt-list">
          {run.checkpoints.map((c) => (
            <li key={c.key}>
              <label>
                <input
                  type="checkbox"
                  data-testid="runs.pick"
                  data-key={c.key}
                  data-label={c.label ?? ''}
                  checked={selected.includes(c.key)}
                  onChange={(e) => library.toggle(c.key, e.target.checked)}
                />
                {c.role === 'teacher' ? `${roleName(c)} ` : ''}
                {c.label ?? 'checkpoint'} · step {c.step}
              </label>
              <button
                type="button"
                className="link"
                data-testid="runs.export.ckpt"
                aria-label={`Export ${run.config.name} step ${c.step} as safetensors`}
                onClick={() => void download(library.exportCheckpoint(c.key))}
              >
                .safetensors
              </button>
            </li>
          ))}
          {run.checkpoints.length === 0 && <li className="run-sub">no checkpoint</li>}
        </ul>
      </td>
      <td className="row-actions">
        <button
          type="button"
          className="link"
          data-testid="runs.show"
          aria-label={`Show the curves of ${run.config.name} in the charts`}
          disabled={restored || run.metrics.trainPoints + run.metrics.evalPoints === 0}
          onClick={() => void library.showCurves(run.id)}
        >
          Curves
        </button>
        <button
          type="button"
          className="link"
          data-testid="runs.export.json"
          aria-label={`Export ${run.config.name} as JSON`}
          onClick={() => void download(library.exportRunJson(run.id))}
        >
          JSON
        </button>
        <button
          type="button"
          className="link"
          data-testid="runs.export.csv"
          aria-label={`Export the metrics of ${run.config.name} as CSV`}
          onClick={() => void download(library.exportMetricsCsv(run.id))}
        >
          CSV
        </button>
        <button
          type="button"
          className="link danger"
          data-testid="runs.delete"
          aria-label={`Delete ${run.config.name}`}
          disabled={run.status === 'running' || run.status === 'paused'}
          onClick={() => {
            if (
              window.confirm(`Delete run '${run.config.name}' with its metrics and checkpoints?`)
            ) {
              void library.deleteRun(run.id);
            }
          }}
        >
          Delete
        </button>
      </td>
    </tr>
  );
}

/** The Runs panel. Starts the library (opens storage) on first mount. */
export function RunsPanel() {
  useEffect(() => {
    void library.start();
  }, []);
  const interrupted = useLibrary(
    (s) => s.runs.filter((r) => r.status === 'interrupted' && s.resumable.includes(r.id)).length,
  );
  const { status, runs, unreadable, error, notice } = useLibrary(
    useShallow((s) => ({
      status: s.status,
      runs: s.runs,
      unreadable: s.unreadable,
      error: s.error,
      notice: s.notice,
    })),
  );
  return (
    <Panel
      id="runs"
      title="Saved runs"
      testId="runs.panel"
      aside={
        <>
          <span className="hint">in this browser (IndexedDB)</span> <ImportButton />
        </>
      }
    >
      <Usage />
      {error && (
        <ErrorNote testId="error.runs" title="Saved runs">
          {error}{' '}
          <button type="button" className="link" onClick={() => library.dismissError()}>
            Dismiss
          </button>
        </ErrorNote>
      )}
      {notice && (
        <p className="notice" role="status" data-testid="runs.notice">
          {notice}
        </p>
      )}
      {interrupted > 0 && (
        <p className="notice" role="status" data-testid="runs.interrupted">
          {interrupted === 1 ? 'A run was' : `${interrupted} runs were`} cut off by a closed tab or
          a reload: press Resume to continue from the last evaluation.
        </p>
      )}
      {status === 'loading' && <p className="hint">Reading saved runs…</p>}
      {status === 'ready' && runs.length === 0 && (
        <p className="hint" data-testid="runs.empty">
          No saved runs yet: every run you start is saved here with its metrics and its best and
          final checkpoints.
        </p>
      )}
      {runs.length > 0 && (
        <div className="table-scroll">
          <table className="runs-table" data-testid="runs.table">
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Task</th>
                <th scope="col">Status</th>
                <th scope="col">Best dev</th>
                <th scope="col">Date</th>
                <th scope="col">Size</th>
                <th scope="col">Checkpoints (pick to compare)</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <RunRow key={r.id} run={r} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {unreadable.length > 0 && (
        <ul className="hint" data-testid="runs.unreadable">
          {unreadable.map((u) => (
            <li key={u.id}>
              Run {u.id} cannot be read: {u.message}
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}
