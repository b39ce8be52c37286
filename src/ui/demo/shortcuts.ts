// Keyboard shortcuts for talks, as data (the help dialog lists this table) and one pure function
// from a key event to a shortcut. Keys never fire while the person is typing in a field, with a
// modifier held (browser and system shortcuts stay theirs), or on a key a focused control uses
// itself (Space on a button presses the button).

export type ShortcutId = 'playPause' | 'nextPanel' | 'prevPanel' | 'presenter' | 'theme' | 'help';

export interface Shortcut {
  id: ShortcutId;
  /** Key values (KeyboardEvent.key) that trigger it. */
  keys: readonly string[];
  /** As the help dialog shows the keys. */
  label: string;
  what: string;
}

export const SHORTCUTS: readonly Shortcut[] = [
  {
    id: 'playPause',
    keys: [' ', 'k'],
    label: 'Space or K',
    what: 'start, pause or resume the run',
  },
  { id: 'nextPanel', keys: ['n', 'j'], label: 'N or J', what: 'focus the next panel' },
  { id: 'prevPanel', keys: ['p'], label: 'P', what: 'focus the previous panel' },
  { id: 'presenter', keys: ['m'], label: 'M', what: 'presenter mode (large type) on or off' },
  { id: 'theme', keys: ['d'], label: 'D', what: 'dark or light theme' },
  { id: 'help', keys: ['?'], label: '?', what: 'show these shortcuts (Esc closes)' },
];

/** The parts of a KeyboardEvent the mapping reads. */
export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  /** Set while an input method composes text. */
  isComposing?: boolean;
  /** The focused element (event target), described by tag, type and editability. */
  target: { tagName?: string; type?: string; isContentEditable?: boolean } | null;
}

// Inputs that take typed text; checkboxes, radios and buttons do not (but see Space below).
const TEXT_INPUT_TYPES = new Set([
  '',
  'text',
  'search',
  'url',
  'email',
  'number',
  'password',
  'tel',
  'date',
  'time',
  'datetime-local',
  'month',
  'week',
]);

/** Whether keys typed at `t` are text for it (an editable field, a select, a text area). */
export function isTypingTarget(t: KeyLike['target']): boolean {
  if (!t) return false;
  if (t.isContentEditable) return true;
  const tag = (t.tagName ?? '').toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  return tag === 'INPUT' && TEXT_INPUT_TYPES.has((t.type ?? '').toLowerCase());
}

/** Controls that Space activates by themselves. */
function usesSpace(t: KeyLike['target']): boolean {
  const tag = (t?.tagName ?? '').toUpperCase();
  return ['BUTTON', 'A', 'SUMMARY', 'INPUT', 'LABEL'].includes(tag);
}

/** The shortcut a key event asks for, or null when it is the page's or the field's own key. */
export function shortcutFor(e: KeyLike): ShortcutId | null {
  if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return null;
  if (isTypingTarget(e.target)) return null;
  if (e.key === ' ' && usesSpace(e.target)) return null;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  return SHORTCUTS.find((s) => s.keys.includes(key))?.id ?? null;
}
