// Demo slice: page settings for talks that are not part of a run (presenter layout, theme, the
// demo preset run last loaded, the shortcuts help) and the problems the page URL had at load.
// Serialisable data only; the URL mirrors it (../url-sync.ts).
import type { Theme, UrlProblem } from '../../config/url';

export interface DemoSlice {
  /** Presenter layout: large type (and the dark theme unless `theme` says otherwise). */
  presenter: boolean;
  /** An explicit theme; null follows the system, or dark in presenter mode. */
  theme: Theme | null;
  /** The DEMO_PRESETS name whose run was loaded last, or null. */
  preset: string | null;
  /** Which run of that preset's queue, 1-based. */
  run: number;
  /** What the page URL got wrong at load, until dismissed. */
  problems: UrlProblem[];
  /** Whether the keyboard-shortcuts help is open. */
  helpOpen: boolean;
}

export const initialDemoSlice: DemoSlice = {
  presenter: false,
  theme: null,
  preset: null,
  run: 1,
  problems: [],
  helpOpen: false,
};

/** The theme the page shows: the explicit one, else dark for a presenter, else the system's. */
export function effectiveTheme(
  d: Pick<DemoSlice, 'presenter' | 'theme'>,
  systemDark: boolean,
): Theme {
  if (d.theme !== null) return d.theme;
  return d.presenter || systemDark ? 'dark' : 'light';
}
