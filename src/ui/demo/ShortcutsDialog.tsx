// The keyboard-shortcuts help: a native modal <dialog> (focus moves into it and stays there, Esc
// closes it, focus returns to where it was), listing the SHORTCUTS table.
import { useEffect, useRef } from 'react';
import { demoActions } from '../../store/app';
import { useApp } from '../../store';
import { SHORTCUTS } from './shortcuts';

/** The shortcuts help dialog, open while `demo.helpOpen`. */
export function ShortcutsDialog() {
  const open = useApp((s) => s.demo.helpOpen);
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="shortcuts-dialog"
      aria-labelledby="shortcuts-title"
      data-testid="shortcuts.dialog"
      onClose={() => demoActions.setHelpOpen(false)}
    >
      <h2 id="shortcuts-title">Keyboard shortcuts</h2>
      <p className="hint">They work anywhere on the page except while you type in a field.</p>
      <table>
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Does</th>
          </tr>
        </thead>
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.id}>
              <td>
                <kbd>{s.label}</kbd>
              </td>
              <td>{s.what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form method="dialog">
        <button type="submit" className="primary" data-testid="shortcuts.close" autoFocus>
          Close
        </button>
      </form>
    </dialog>
  );
}
