// The shortcut mapping: each key of the table, nothing while typing in a field or with a modifier,
// and Space left to the control that has focus when that control uses it.
import { describe, expect, it } from 'vitest';
import { isTypingTarget, SHORTCUTS, shortcutFor, type KeyLike } from './shortcuts';

const on = (key: string, target: KeyLike['target'] = { tagName: 'BODY' }, mods = {}): KeyLike => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  target,
  ...mods,
});

describe('shortcutFor', () => {
  it('maps every key of the table, upper or lower case', () => {
    for (const s of SHORTCUTS) {
      for (const k of s.keys) {
        expect(shortcutFor(on(k))).toBe(s.id);
        expect(shortcutFor(on(k.toUpperCase()))).toBe(s.id);
      }
    }
    expect(shortcutFor(on('x'))).toBeNull();
    expect(shortcutFor(on('Enter'))).toBeNull();
    expect(new Set(SHORTCUTS.flatMap((s) => s.keys)).size).toBe(
      SHORTCUTS.flatMap((s) => s.keys).length,
    );
  });

  it('never fires while typing: text inputs, number inputs, text areas, selects, editable text', () => {
    const fields = [
      { tagName: 'INPUT', type: 'text' },
      { tagName: 'INPUT', type: 'number' },
      { tagName: 'INPUT', type: 'url' },
      { tagName: 'input', type: '' },
      { tagName: 'TEXTAREA' },
      { tagName: 'SELECT' },
      { tagName: 'DIV', isContentEditable: true },
    ];
    for (const t of fields) {
      expect(isTypingTarget(t)).toBe(true);
      for (const k of ['k', ' ', 'n', '?', 'm']) expect(shortcutFor(on(k, t))).toBeNull();
    }
  });

  it('a checkbox or a button takes letters as shortcuts but keeps Space for itself', () => {
    for (const t of [
      { tagName: 'INPUT', type: 'checkbox' },
      { tagName: 'INPUT', type: 'radio' },
      { tagName: 'BUTTON' },
      { tagName: 'SUMMARY' },
      { tagName: 'A' },
    ]) {
      expect(isTypingTarget(t)).toBe(false);
      expect(shortcutFor(on('k', t))).toBe('playPause');
      expect(shortcutFor(on(' ', t))).toBeNull();
    }
    // A focused panel (a section) does not use Space: it starts or pauses.
    expect(shortcutFor(on(' ', { tagName: 'SECTION' }))).toBe('playPause');
    expect(shortcutFor(on(' ', null))).toBe('playPause');
  });

  it('leaves modified keys and input-method composition alone', () => {
    expect(shortcutFor(on('k', undefined, { ctrlKey: true }))).toBeNull();
    expect(shortcutFor(on('n', undefined, { metaKey: true }))).toBeNull();
    expect(shortcutFor(on('p', undefined, { altKey: true }))).toBeNull();
    expect(shortcutFor(on('k', undefined, { isComposing: true }))).toBeNull();
  });
});
