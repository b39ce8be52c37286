// The header's backend badge: the backend and adapter the worker chose at `init`, with a manual
// override (auto / webgpu / webgl / wasm / cpu) that re-sends `init`. Locked while a run is active.
import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { BACKENDS, type BackendPref } from '../../config/run-config';
import { actions } from '../../store/app';
import { useApp } from '../../store';
import { isActive } from '../../store/slices/run';

const PREFS: readonly BackendPref[] = ['auto', ...BACKENDS];

function isPref(value: string): value is BackendPref {
  return PREFS.some((p) => p === value);
}

/** Backend badge and override select. */
export function BackendBadge() {
  const id = useId();
  const b = useApp(
    useShallow((s) => ({
      pref: s.backend.pref,
      status: s.backend.status,
      name: s.backend.info?.name ?? null,
      adapter: s.backend.info?.adapter ?? '',
      note: s.backend.info?.note ?? null,
      error: s.backend.error,
      available: s.backend.available,
    })),
  );
  const running = useApp((s) => isActive(s.run.phase));
  const text =
    b.status === 'starting' ? 'starting…' : b.status === 'failed' ? 'no backend' : (b.name ?? '?');
  const detail = b.status === 'failed' ? (b.error ?? '') : b.adapter;
  return (
    <div className="backend">
      <span
        className={`badge badge-${b.status}`}
        data-testid="backend.badge"
        data-backend={b.name ?? ''}
        data-status={b.status}
        title={[detail, b.note].filter(Boolean).join(' — ')}
        role="status"
        aria-label={`Compute backend: ${text}${detail ? `, ${detail}` : ''}`}
      >
        <span className="badge-dot" aria-hidden="true" />
        {text}
        {detail && <span className="badge-detail">{detail}</span>}
      </span>
      <label htmlFor={id} className="visually-hidden">
        Backend override
      </label>
      <select
        id={id}
        value={b.pref}
        disabled={running}
        data-testid="backend.select"
        onChange={(e) => {
          if (isPref(e.target.value)) actions.setBackend(e.target.value);
        }}
      >
        {PREFS.map((p) => (
          <option
            key={p}
            value={p}
            disabled={p !== 'auto' && b.available.length > 0 && !b.available.includes(p)}
          >
            {p === 'auto' ? 'auto (best available)' : p}
          </option>
        ))}
      </select>
      {b.note && b.status === 'ready' && (
        <span className="backend-note" data-testid="backend.note">
          {b.note}
        </span>
      )}
    </div>
  );
}
