// The run queue, in the Run panel: "Add to queue" takes the form's config (a snapshot) under a name
// the person types or an automatic one; the list shows every run of this session with its status,
// and for queued runs move up/down and remove; Start queue / Hold queue; requeue an ended run;
// clear finished. Pause, resume and stop in the controls above act on the running entry. The queued
// runs survive a reload (src/store/queue-persist.ts); the notice says what came back.
import { useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../../store';
import { session } from '../../store/app';
import {
  autoRunName,
  isEnded,
  NAME_MAX,
  runColour,
  type EntryStatus,
  type SessionRun,
} from '../../store/slices/session';
import { formatCount, formatDuration, formatRate, formatValue } from '../format';
import './overlay.css';

const STATUS_TEXT: Record<EntryStatus, string> = {
  queued: 'queued',
  running: 'running',
  paused: 'paused',
  done: 'done',
  stopped: 'stopped',
  failed: 'failed',
};

function AddToQueue() {
  const [name, setName] = useState('');
  const inputId = useId();
  const auto = useApp((s) => autoRunName(s.config.config));
  const blocked = useApp((s) => s.config.errors.length > 0 || s.task.summary === null);
  const add = () => {
    if (session.enqueue(name)) setName('');
  };
  return (
    <div className="queue-add">
      <label htmlFor={inputId}>Run name</label>
      <input
        id={inputId}
        type="text"
        value={name}
        maxLength={NAME_MAX}
        placeholder={auto}
        data-testid="queue.name"
        onChange={(e) => setName(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !blocked) {
            e.preventDefault();
            add();
          }
        }}
      />
      <button type="button" data-testid="queue.add" disabled={blocked} onClick={add}>
        Add to queue
      </button>
    </div>
  );
}

/** Step, samples/s and time left of the entry the worker is running now (else nothing). */
function LiveProgress({ runId }: { runId: string | null }) {
  const text = useApp((s) => {
    const p = s.run.progress;
    if (!runId || s.run.runId !== runId || !p) return null;
    return `step ${formatCount(p.step)} / ${formatCount(p.totalSteps)} · ${formatRate(
      p.samplesPerSec,
    )} samples/s · ${formatDuration(p.etaSec)} left`;
  });
  return text ? (
    <span className="muted" data-testid="queue.item.progress">
      {text}
    </span>
  ) : null;
}

function QueueItem({ run, first, last }: { run: SessionRun; first: boolean; last: boolean }) {
  const queued = run.status === 'queued';
  const live = run.status === 'running' || run.status === 'paused';
  return (
    <li className="queue-item" data-testid={`queue.item.${run.key}`} data-status={run.status}>
      <span className="run-swatch" style={{ background: runColour(run.colour) }} aria-hidden />
      <span className="queue-name" data-testid="queue.item.name">
        {run.name}
      </span>
      <span className="queue-status" data-status={run.status} data-testid="queue.item.status">
        {STATUS_TEXT[run.status]}
        {run.status === 'done' && run.best !== null ? ` · best ${formatValue(run.best)}` : ''}
      </span>
      {live && <LiveProgress runId={run.runId} />}
      {queued && (
        <>
          <button
            type="button"
            aria-label={`Move ${run.name} up`}
            disabled={first}
            onClick={() => session.move(run.key, -1)}
          >
            ↑
          </button>
          <button
            type="button"
            aria-label={`Move ${run.name} down`}
            disabled={last}
            onClick={() => session.move(run.key, 1)}
          >
            ↓
          </button>
          <button
            type="button"
            aria-label={`Remove ${run.name} from the queue`}
            data-testid="queue.item.remove"
            onClick={() => session.remove(run.key)}
          >
            Remove
          </button>
        </>
      )}
      {isEnded(run.status) && (
        <button
          type="button"
          aria-label={`Run again: ${run.name}`}
          data-testid="queue.item.requeue"
          onClick={() => session.requeue(run.key)}
        >
          Run again
        </button>
      )}
      {run.error && (
        <p className="queue-error" data-testid="queue.item.error">
          {run.error}
        </p>
      )}
    </li>
  );
}

/** The queue's notice (queued runs restored after a reload, a stored queue dropped), if any. */
function QueueNotice() {
  const notice = useApp((s) => s.session.notice);
  const problem = useApp((s) => s.session.noticeTone === 'problem');
  if (notice === null) return null;
  return (
    <p
      className={problem ? 'notice problem' : 'notice'}
      role={problem ? 'alert' : 'status'}
      data-testid="queue.notice"
      data-tone={problem ? 'problem' : 'info'}
    >
      {notice}{' '}
      <button type="button" className="link" onClick={() => session.dismissNotice()}>
        Dismiss
      </button>
    </p>
  );
}

/** The queue and this session's runs. */
export function QueueView() {
  const runs = useApp((s) => s.session.runs);
  const auto = useApp((s) => s.session.auto);
  const c = useApp(
    useShallow((s) => ({
      queued: s.session.runs.filter((r) => r.status === 'queued').length,
      ended: s.session.runs.filter((r) => isEnded(r.status)).length,
      ready: s.backend.status === 'ready' && s.task.summary !== null,
    })),
  );
  const queuedKeys = runs.filter((r) => r.status === 'queued').map((r) => r.key);
  return (
    <section className="queue" aria-label="Run queue" data-testid="queue.panel">
      <AddToQueue />
      <QueueNotice />
      {runs.length > 0 && (
        <ol className="queue-list" data-testid="queue.list" aria-label="Runs of this session">
          {runs.map((r) => (
            <QueueItem
              key={r.key}
              run={r}
              first={queuedKeys[0] === r.key}
              last={queuedKeys[queuedKeys.length - 1] === r.key}
            />
          ))}
        </ol>
      )}
      <div className="queue-actions">
        {auto ? (
          <button type="button" data-testid="queue.hold" onClick={() => session.holdQueue()}>
            Hold queue
          </button>
        ) : (
          <button
            type="button"
            className="primary"
            data-testid="queue.start"
            disabled={c.queued === 0 || !c.ready}
            onClick={() => session.startQueue()}
          >
            Start queue{c.queued > 0 ? ` (${c.queued})` : ''}
          </button>
        )}
        <button
          type="button"
          data-testid="queue.clear"
          disabled={c.ended === 0}
          onClick={() => session.clearFinished()}
        >
          Clear finished
        </button>
      </div>
      {auto && (
        <p className="hint" data-testid="queue.auto">
          The queue is running: each run starts when the one before it ends. Hold it to stop after
          the current run.
        </p>
      )}
    </section>
  );
}
