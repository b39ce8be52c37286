// Page-wide effects of the demo settings: the theme and presenter layout as attributes on <html>
// (the stylesheet keys off them), and the keyboard shortcuts on window.
import { useEffect, useSyncExternalStore } from 'react';
import { appStore, useApp } from '../../store';
import { demoActions } from '../../store/app';
import { effectiveTheme } from '../../store/slices/demo';
import { shortcutFor } from './shortcuts';

const DARK_QUERY = '(prefers-color-scheme: dark)';

function subscribeSystemDark(onChange: () => void): () => void {
  const mq = window.matchMedia(DARK_QUERY);
  mq.addEventListener('change', onChange);
  return () => mq.removeEventListener('change', onChange);
}

/** Whether the system asks for a dark theme (follows changes). */
export function useSystemDark(): boolean {
  return useSyncExternalStore(subscribeSystemDark, () => window.matchMedia(DARK_QUERY).matches);
}

/**
 * Sets data-theme (the theme the page shows: explicit, presenter's dark, else the system's, which
 * it follows) and data-presenter on <html>; app.css keys its palettes off data-theme alone.
 */
export function useThemeAttributes(systemDark: boolean): void {
  const presenter = useApp((s) => s.demo.presenter);
  const theme = useApp((s) => s.demo.theme);
  useEffect(() => {
    const root = document.documentElement;
    root.dataset['theme'] = effectiveTheme({ presenter, theme }, systemDark);
    if (presenter) root.dataset['presenter'] = '';
    else delete root.dataset['presenter'];
  }, [presenter, theme, systemDark]);
}

/** Moves focus to the next (+1) or previous (-1) dashboard panel, wrapping around. */
export function focusPanel(delta: 1 | -1): void {
  const panels = [...document.querySelectorAll<HTMLElement>('main section.panel')];
  if (panels.length === 0) return;
  const current = panels.findIndex((p) => p.contains(document.activeElement));
  const next =
    current < 0
      ? delta > 0
        ? 0
        : panels.length - 1
      : (current + delta + panels.length) % panels.length;
  const panel = panels[next];
  if (!panel) return;
  // Focusable by script, not a tab stop of its own.
  if (!panel.hasAttribute('tabindex')) panel.setAttribute('tabindex', '-1');
  panel.focus({ preventScroll: true });
  panel.scrollIntoView({ block: 'nearest', behavior: 'auto' });
}

/** Installs the keyboard shortcuts (see shortcuts.ts) while the component is mounted. */
export function useShortcuts(systemDark: boolean): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const demo = appStore.getState().demo;
      // While a modal dialog is open (the help), keys belong to it. The DOM is asked, not the
      // store: Escape closes the dialog at once, but its close event, which clears helpOpen,
      // comes a task later, and a key pressed in between must already count.
      if (e.defaultPrevented || document.querySelector('dialog[open]') !== null) return;
      const target = e.target instanceof HTMLElement ? e.target : null;
      const id = shortcutFor({
        key: e.key,
        ctrlKey: e.ctrlKey,
        metaKey: e.metaKey,
        altKey: e.altKey,
        isComposing: e.isComposing,
        target: target && {
          tagName: target.tagName,
          type: target instanceof HTMLInputElement ? target.type : undefined,
          isContentEditable: target.isContentEditable,
        },
      });
      if (id === null) return;
      e.preventDefault();
      switch (id) {
        case 'playPause':
          demoActions.playPause();
          break;
        case 'nextPanel':
          focusPanel(1);
          break;
        case 'prevPanel':
          focusPanel(-1);
          break;
        case 'presenter':
          demoActions.setPresenter(!demo.presenter);
          break;
        case 'theme':
          demoActions.setTheme(effectiveTheme(demo, systemDark) === 'dark' ? 'light' : 'dark');
          break;
        case 'help':
          demoActions.setHelpOpen(true);
          break;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [systemDark]);
}
