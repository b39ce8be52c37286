// The loaded task at a glance: name and source, train/dev sizes, label balance (class counts with
// bars, or score statistics for regression) and the first few training examples.
import type { LabelBalance, ScoreStats, TaskSummary } from '../../store/slices/task';
import { useApp } from '../../store';
import { formatCount, formatPercent, formatValue } from '../format';

function BalanceView({ balance }: { balance: LabelBalance }) {
  if (balance.kind === 'scores') {
    const row = (name: string, s: ScoreStats | null) => (
      <tr>
        <th scope="row">{name}</th>
        <td>{s ? formatValue(s.min) : '–'}</td>
        <td>{s ? formatValue(s.mean) : '–'}</td>
        <td>{s ? formatValue(s.max) : '–'}</td>
      </tr>
    );
    return (
      <table className="balance" data-testid="task.balance">
        <caption>Target scores</caption>
        <thead>
          <tr>
            <th scope="col">split</th>
            <th scope="col">min</th>
            <th scope="col">mean</th>
            <th scope="col">max</th>
          </tr>
        </thead>
        <tbody>
          {row('train', balance.train)}
          {row('dev', balance.dev)}
        </tbody>
      </table>
    );
  }
  const trainTotal = balance.classes.reduce((n, c) => n + c.train, 0);
  const devTotal = balance.classes.reduce((n, c) => n + c.dev, 0);
  return (
    <table className="balance" data-testid="task.balance">
      <caption>Label balance</caption>
      <thead>
        <tr>
          <th scope="col">label</th>
          <th scope="col">train</th>
          <th scope="col">dev</th>
        </tr>
      </thead>
      <tbody>
        {balance.classes.map((c) => {
          const share = trainTotal > 0 ? c.train / trainTotal : 0;
          return (
            <tr key={c.label}>
              <th scope="row">{c.label}</th>
              <td>
                <span className="bar" aria-hidden="true">
                  <span style={{ width: `${(share * 100).toFixed(1)}%` }} />
                </span>
                {formatCount(c.train)} <span className="muted">({formatPercent(share)})</span>
              </td>
              <td>
                {formatCount(c.dev)}{' '}
                <span className="muted">
                  ({formatPercent(devTotal > 0 ? c.dev / devTotal : 0)})
                </span>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Examples({ summary }: { summary: TaskSummary }) {
  if (summary.examples.length === 0) return null;
  return (
    <table className="examples" data-testid="task.examples">
      <caption>First training examples</caption>
      <thead>
        <tr>
          <th scope="col">{summary.pair ? 'text a' : 'text'}</th>
          {summary.pair && <th scope="col">text b</th>}
          <th scope="col">label</th>
        </tr>
      </thead>
      <tbody>
        {summary.examples.map((ex, i) => (
          <tr key={i}>
            <td>{ex.a}</td>
            {summary.pair && <td>{ex.b ?? ''}</td>}
            <td className="label-cell">{ex.label}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The current task's summary, or a hint when none is loaded. */
export function TaskSummaryView() {
  const summary = useApp((s) => s.task.summary);
  if (!summary) {
    return (
      <p className="hint" data-testid="task.none">
        No task loaded yet.
      </p>
    );
  }
  return (
    <div className="task-summary" data-testid="task.summary">
      <p className="task-title">
        <strong data-testid="task.name">{summary.name}</strong>{' '}
        <span className="muted" data-testid="task.origin">
          {summary.source}
        </span>
      </p>
      <dl className="stats" data-testid="task.rows">
        <div className="stat">
          <dt>Train rows</dt>
          <dd data-testid="task.rows.train">{formatCount(summary.trainRows)}</dd>
        </div>
        <div className="stat">
          <dt>Dev rows</dt>
          <dd data-testid="task.rows.dev">{formatCount(summary.devRows)}</dd>
        </div>
        <div className="stat">
          <dt>Kind</dt>
          <dd>
            {summary.kind}
            {summary.pair ? ', pairs' : ''}
          </dd>
        </div>
        <div className="stat">
          <dt>Metrics</dt>
          <dd>{summary.metrics.join(', ')}</dd>
        </div>
      </dl>
      <BalanceView balance={summary.balance} />
      <Examples summary={summary} />
    </div>
  );
}
