// The Compare panel: the checkpoints picked in the Runs panel, evaluated by the worker on the
// loaded task's dev split (task metrics, loss, parameters, size on disk, FLOPs, batch-1 latency in
// this browser), their pairwise agreement, confusion matrices and the dev examples where they
// disagree (filterable); and a text box that runs every picked checkpoint on what is typed.
import { useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { CheckpointEvaluation, CheckpointPrediction } from '../../protocol';
import { roleName, type RunRecord } from '../../storage';
import { agreement, type Disagreement } from '../../store/library';
import { library, useLibrary } from '../../store/library-app';
import { ErrorNote } from '../components/ErrorNote';
import { Panel } from '../components/Panel';
import { formatBytes, formatCompact, formatValue } from '../format';
import './library.css';

type OkEval = Extract<CheckpointEvaluation, { ok: true }>;

/** 'run name · best · step 40' for a checkpoint key. */
function checkpointName(runs: readonly RunRecord[], key: string): string {
  for (const r of runs) {
    const c = r.checkpoints.find((m) => m.key === key);
    if (!c) continue;
    const role = c.role === 'teacher' ? `${roleName(c)} ` : '';
    return `${r.config.name} · ${role}${c.label ?? 'checkpoint'} · step ${c.step}`;
  }
  return key;
}

function useNames(): (key: string) => string {
  const runs = useLibrary((s) => s.runs);
  return useMemo(() => (key: string) => checkpointName(runs, key), [runs]);
}

function MetricsTable({ results }: { results: CheckpointEvaluation[] }) {
  const name = useNames();
  const ok = results.filter((r): r is OkEval => r.ok);
  const metricNames = [...new Set(ok.flatMap((r) => Object.keys(r.metrics)))];
  return (
    <div className="table-scroll">
      <table className="compare-table" data-testid="compare.table">
        <thead>
          <tr>
            <th scope="col">Checkpoint</th>
            {metricNames.map((m) => (
              <th scope="col" key={m}>
                {m}
              </th>
            ))}
            <th scope="col">dev loss</th>
            <th scope="col">parameters</th>
            <th scope="col">size</th>
            <th scope="col">FLOPs / token</th>
            <th scope="col" title="batch 1, median of timed runs, in this browser">
              latency
            </th>
          </tr>
        </thead>
        <tbody>
          {results.map((r) =>
            r.ok ? (
              <tr key={r.key} data-testid="compare.row" data-key={r.key}>
                <th scope="row">{name(r.key)}</th>
                {metricNames.map((m) => (
                  <td key={m} data-testid={`compare.metric.${m}`}>
                    {formatValue(r.metrics[m as keyof OkEval['metrics']])}
                  </td>
                ))}
                <td>{formatValue(r.loss)}</td>
                <td>{formatCompact(r.params)}</td>
                <td>{formatBytes(r.bytes)}</td>
                <td>{formatCompact(r.flopsPerToken)}</td>
                <td data-testid="compare.latency">
                  {r.latencyMs.median.toFixed(1)} ms
                  <span className="run-sub">
                    {' '}
                    ({r.latencyMs.runs.length} runs, {r.backend})
                  </span>
                </td>
              </tr>
            ) : (
              <tr key={r.key} data-testid="compare.row.error">
                <th scope="row">{name(r.key)}</th>
                <td colSpan={metricNames.length + 5} className="error-text">
                  {r.error}
                </td>
              </tr>
            ),
          )}
        </tbody>
      </table>
    </div>
  );
}

function Agreement({ ok }: { ok: OkEval[] }) {
  const name = useNames();
  if (ok.length < 2) return null;
  return (
    <div className="table-scroll">
      <table className="agreement" data-testid="compare.agreement">
        <caption>Agreement on dev (share of examples with the same prediction)</caption>
        <thead>
          <tr>
            <th scope="col">
              <span className="visually-hidden">Checkpoint</span>
            </th>
            {ok.map((r, j) => (
              <th scope="col" key={r.key} title={name(r.key)}>
                #{j + 1}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {ok.map((a, i) => (
            <tr key={a.key}>
              <th scope="row">
                #{i + 1} {name(a.key)}
              </th>
              {ok.map((b) => (
                <td key={b.key}>{(100 * agreement(a.predictions, b.predictions)).toFixed(1)} %</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Confusion({ r }: { r: OkEval }) {
  const name = useNames();
  if (!r.confusion) return null;
  const max = Math.max(1, ...r.confusion.flat());
  return (
    <figure className="confusion" data-testid="compare.confusion">
      <table>
        <caption>{name(r.key)}</caption>
        <thead>
          <tr>
            <th scope="col">gold ↓ / predicted →</th>
            {r.labelNames.map((l) => (
              <th scope="col" key={l}>
                {l}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {r.confusion.map((row, g) => (
            <tr key={g}>
              <th scope="row">{r.labelNames[g] ?? g}</th>
              {row.map((n, p) => (
                <td
                  key={p}
                  className={g === p ? 'diag' : undefined}
                  style={{ '--shade': String(n / max) } as React.CSSProperties}
                >
                  {n}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

const SHOWN = 100;

function Disagreements({ ok, rows }: { ok: OkEval[]; rows: Disagreement[] }) {
  const name = useNames();
  const [text, setText] = useState('');
  const [gold, setGold] = useState('any');
  const [correct, setCorrect] = useState('any');
  const labels = ok[0]?.labelNames ?? [];
  const filtered = rows.filter((d) => {
    if (text && !`${d.a} ${d.b ?? ''}`.toLowerCase().includes(text.toLowerCase())) return false;
    if (gold !== 'any' && d.gold !== Number(gold)) return false;
    if (correct === 'none' && d.predictions.some((p) => p === d.gold)) return false;
    if (correct !== 'any' && correct !== 'none' && d.predictions[Number(correct)] !== d.gold)
      return false;
    return true;
  });
  const label = (k: number) => labels[k] ?? String(k);
  return (
    <section className="disagreements" aria-labelledby="disagree-title">
      <h3 id="disagree-title">
        Disagreements: <span data-testid="compare.disagreements.count">{rows.length}</span> dev
        examples
      </h3>
      <div className="filters" role="group" aria-label="Filter the disagreements">
        <label>
          Text contains
          <input
            type="search"
            value={text}
            data-testid="compare.filter.text"
            onChange={(e) => setText(e.target.value)}
          />
        </label>
        <label>
          Gold label
          <select
            value={gold}
            data-testid="compare.filter.gold"
            onChange={(e) => setGold(e.target.value)}
          >
            <option value="any">any</option>
            {labels.map((l, i) => (
              <option key={l} value={String(i)}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label>
          Right
          <select
            value={correct}
            data-testid="compare.filter.correct"
            onChange={(e) => setCorrect(e.target.value)}
          >
            <option value="any">any</option>
            {ok.map((r, i) => (
              <option key={r.key} value={String(i)}>
                #{i + 1} is right
              </option>
            ))}
            <option value="none">none is right</option>
          </select>
        </label>
        <span className="hint" data-testid="compare.disagreements.shown">
          showing {Math.min(SHOWN, filtered.length)} of {filtered.length}
        </span>
      </div>
      {filtered.length > 0 && (
        <div className="table-scroll">
          <table className="examples" data-testid="compare.disagreements">
            <thead>
              <tr>
                <th scope="col">Dev example</th>
                <th scope="col">gold</th>
                {ok.map((r, i) => (
                  <th scope="col" key={r.key} title={name(r.key)}>
                    #{i + 1}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {filtered.slice(0, SHOWN).map((d) => (
                <tr key={d.index} data-testid="compare.disagreement">
                  <td>
                    {d.a}
                    {d.b !== undefined && <div className="run-sub">{d.b}</div>}
                  </td>
                  <td>{label(d.gold)}</td>
                  {d.predictions.map((p, i) => (
                    <td key={i} className={p === d.gold ? 'right' : 'wrong'}>
                      {label(p)}{' '}
                      <span className="run-sub">{(100 * d.confidence[i]!).toFixed(0)} %</span>
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function PredictionCard({ r }: { r: CheckpointPrediction }) {
  const name = useNames();
  if (!r.ok) {
    return (
      <li className="prediction" data-testid="predict.result" data-key={r.key}>
        <strong>{name(r.key)}</strong>
        <p className="error-text">{r.error}</p>
      </li>
    );
  }
  const classes = r.labelNames.length > 0;
  return (
    <li className="prediction" data-testid="predict.result" data-key={r.key}>
      <strong>{name(r.key)}</strong>
      <p>
        <span data-testid="predict.label" className="predicted">
          {classes ? (r.labelNames[r.prediction] ?? r.prediction) : formatValue(r.prediction)}
        </span>{' '}
        <span className="run-sub" data-testid="predict.latency">
          {r.latencyMs.toFixed(1)} ms · {r.tokens} tokens
        </span>
      </p>
      {classes && (
        <ul className="probs">
          {r.probs.map((p, i) => (
            <li key={i}>
              <span className="prob-label">{r.labelNames[i] ?? i}</span>
              <meter min={0} max={1} value={p} aria-label={`${r.labelNames[i] ?? i} probability`} />
              <span className="prob-value">{(100 * p).toFixed(1)} %</span>
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

function TypedInference() {
  const { text, status, results, error, picked } = useLibrary(
    useShallow((s) => ({
      text: s.predict.text,
      status: s.predict.status,
      results: s.predict.results,
      error: s.predict.error,
      picked: s.selected.length,
    })),
  );
  return (
    <section className="typed" aria-labelledby="typed-title">
      <h3 id="typed-title">Try it</h3>
      <label className="typed-input">
        Type a sentence (for a pair task: first ||| second); every picked checkpoint answers as you
        type
        <textarea
          rows={2}
          value={text}
          data-testid="predict.input"
          disabled={picked === 0}
          onChange={(e) => library.type(e.target.value)}
        />
      </label>
      {status === 'running' && <span className="hint">running…</span>}
      {error && <p className="error-text">{error}</p>}
      {results.length > 0 && (
        <ul className="predictions" aria-live="polite" data-testid="predict.results">
          {results.map((r) => (
            <PredictionCard key={r.key} r={r} />
          ))}
        </ul>
      )}
    </section>
  );
}

/** The Compare panel. */
export function ComparePanel() {
  const name = useNames();
  const { selected, compare } = useLibrary(
    useShallow((s) => ({ selected: s.selected, compare: s.compare })),
  );
  const ok = compare.results.filter((r): r is OkEval => r.ok);
  return (
    <Panel id="compare" title="Compare checkpoints" testId="compare.panel">
      <p className="hint">
        Picked ({selected.length}):{' '}
        {selected.length === 0
          ? 'none — tick checkpoints in Saved runs'
          : selected.map(name).join('; ')}
      </p>
      <div className="controls">
        <button
          type="button"
          className="primary"
          data-testid="compare.run"
          disabled={selected.length < 2 || compare.status === 'running'}
          onClick={() => library.compare()}
        >
          Compare on the dev split
        </button>
        {compare.status === 'running' && (
          <span className="hint" data-testid="compare.progress" aria-live="polite">
            <span className="spinner" aria-hidden="true" /> {compare.progress}
          </span>
        )}
      </div>
      {compare.error && (
        <ErrorNote testId="error.compare" title="Comparison">
          {compare.error}
        </ErrorNote>
      )}
      {compare.status === 'done' && (
        <div data-testid="compare.results">
          <p className="hint">
            {compare.devSize} dev examples of the loaded task; latency: batch 1 in this browser.
          </p>
          <MetricsTable results={compare.results} />
          <Agreement ok={ok} />
          <div className="confusions">
            {ok.map((r) => (
              <Confusion key={r.key} r={r} />
            ))}
          </div>
          {ok.length >= 2 && ok[0]!.kind === 'classification' && (
            <Disagreements ok={ok} rows={compare.disagreements} />
          )}
        </div>
      )}
      <TypedInference />
    </Panel>
  );
}
