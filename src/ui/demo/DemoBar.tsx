// The talk toolbar under the header: demo presets, the link to this setup, presenter mode, theme,
// exports and the shortcuts help; under it the demo preset run that is loaded (with what to look
// for) and the URL problems notice. Also installs the page-wide theme and keyboard effects.
import { useRef, useState } from 'react';
import { DEMO_PRESET_NAMES, DEMO_PRESETS } from '../../config/demo-presets';
import { useApp } from '../../store';
import { demoActions } from '../../store/app';
import { effectiveTheme } from '../../store/slices/demo';
import { isActive } from '../../store/slices/run';
import { isPresetRun } from '../../store/url-sync';
import { ExportMenu } from './ExportMenu';
import { useShortcuts, useSystemDark, useThemeAttributes } from './page-effects';
import { ShortcutsDialog } from './ShortcutsDialog';
import { UrlNotice } from './UrlNotice';
import './demo.css';

function PresetMenu({ onStatus }: { onStatus: (text: string) => void }) {
  const running = useApp((s) => isActive(s.run.phase));
  const loaded = useApp((s) => (s.demo.preset === null ? null : `${s.demo.preset}.${s.demo.run}`));
  const ref = useRef<HTMLDetailsElement>(null);
  const close = (): void => {
    if (!ref.current) return;
    ref.current.open = false;
    ref.current.querySelector('summary')?.focus();
  };
  const load = (name: string, run: number): void => {
    const p = DEMO_PRESETS[name];
    if (!p) return;
    if (demoActions.loadPresetRun(name, run)) {
      onStatus(`Loaded run ${run} of ${p.runs.length} of “${p.title}”: press Start or Space.`);
      close();
    } else onStatus('Stop the current run before loading another.');
  };
  const queueAll = async (name: string): Promise<void> => {
    const p = DEMO_PRESETS[name];
    if (!p) return;
    close();
    if (await demoActions.queuePreset(name)) {
      onStatus(`Queued the ${p.runs.length} runs of “${p.title}”: they train one after another.`);
    } else onStatus('Stop the current run before queueing a preset (or its task did not load).');
  };
  return (
    <details
      ref={ref}
      className="demo-menu"
      data-testid="demo.presets"
      onKeyDown={(e) => {
        if (e.key === 'Escape' && ref.current?.open) close();
      }}
    >
      <summary data-testid="demo.presets.open">Demo presets</summary>
      <div className="demo-menu-body presets-body">
        <p className="hint">
          A preset is a set of runs to compare, all on the embedded task (nothing to download).
          Queue them all to train one after another with their curves overlaid, or load one run into
          the form.
          {running ? ' Stop the current run to load or queue another.' : ''}
        </p>
        <ul className="preset-list">
          {DEMO_PRESET_NAMES.map((name) => {
            const p = DEMO_PRESETS[name];
            if (!p) return null;
            return (
              <li key={name} data-testid={`demo.preset.${name}`}>
                <h3>{p.title}</h3>
                <p className="preset-description">{p.description}</p>
                <div className="preset-runs" role="group" aria-label={`Runs of ${p.title}`}>
                  <button
                    type="button"
                    data-testid={`demo.queue.${name}`}
                    disabled={running}
                    onClick={() => void queueAll(name)}
                  >
                    Queue all {p.runs.length} runs
                  </button>
                  {p.runs.map((r, i) => (
                    <button
                      key={`${name}-${i}`}
                      type="button"
                      data-testid={`demo.load.${name}.${i + 1}`}
                      aria-current={loaded === `${name}.${i + 1}` ? 'true' : undefined}
                      disabled={running}
                      onClick={() => load(name, i + 1)}
                    >
                      Run {i + 1}: {r.name}
                    </button>
                  ))}
                </div>
              </li>
            );
          })}
        </ul>
      </div>
    </details>
  );
}

function CopyLink({ onStatus }: { onStatus: (text: string) => void }) {
  const [fallback, setFallback] = useState<string | null>(null);
  const copy = async (): Promise<void> => {
    const href = window.location.href;
    try {
      await navigator.clipboard.writeText(href);
      setFallback(null);
      onStatus('Link to this setup copied.');
    } catch {
      // No clipboard access (permissions, an insecure origin): show the link to copy by hand.
      setFallback(href);
      onStatus('Copy the link from the field (Ctrl+C or ⌘C).');
    }
  };
  return (
    <>
      <button type="button" data-testid="demo.copyLink" onClick={() => void copy()}>
        Copy link
      </button>
      {fallback !== null && (
        <input
          className="link-field"
          type="text"
          readOnly
          value={fallback}
          aria-label="Link to this setup"
          data-testid="demo.link"
          ref={(el) => el?.select()}
        />
      )}
    </>
  );
}

/** The demo preset run that is loaded, with its description; marked when the form was edited. */
function CurrentPreset() {
  const preset = useApp((s) => s.demo.preset);
  const run = useApp((s) => s.demo.run);
  const edited = useApp((s) => !isPresetRun(s.config.config, s.demo));
  const p = preset === null ? undefined : DEMO_PRESETS[preset];
  const r = p?.runs[run - 1];
  if (!p || !r) return null;
  return (
    <section className="demo-current" aria-label="Loaded demo preset" data-testid="demo.current">
      <p>
        <strong>{p.title}</strong> · run {run} of {p.runs.length}: {r.name}
        {edited ? ' (edited since loaded)' : ''}
      </p>
      <p className="preset-description">{p.description}</p>
    </section>
  );
}

/** The toolbar, the loaded preset, the URL notice and the shortcuts dialog. */
export function DemoBar() {
  const presenter = useApp((s) => s.demo.presenter);
  const theme = useApp((s) => s.demo.theme);
  const systemDark = useSystemDark();
  const [status, setStatus] = useState('');
  useThemeAttributes(systemDark);
  useShortcuts(systemDark);
  const dark = effectiveTheme({ presenter, theme }, systemDark) === 'dark';
  return (
    <>
      <nav className="demo-bar" aria-label="Demo, link and export" data-testid="demo.bar">
        <PresetMenu onStatus={setStatus} />
        <CopyLink onStatus={setStatus} />
        <ExportMenu />
        <button
          type="button"
          aria-pressed={presenter}
          data-testid="demo.presenter"
          onClick={() => demoActions.setPresenter(!presenter)}
        >
          Presenter mode
        </button>
        <button
          type="button"
          aria-pressed={dark}
          data-testid="demo.theme"
          onClick={() => demoActions.setTheme(dark ? 'light' : 'dark')}
        >
          Dark theme
        </button>
        <button
          type="button"
          data-testid="demo.help"
          aria-keyshortcuts="Shift+?"
          onClick={() => demoActions.setHelpOpen(true)}
        >
          Shortcuts <kbd>?</kbd>
        </button>
        <p className="demo-status" role="status" data-testid="demo.status">
          {status}
        </p>
      </nav>
      <UrlNotice />
      <CurrentPreset />
      <ShortcutsDialog />
    </>
  );
}
