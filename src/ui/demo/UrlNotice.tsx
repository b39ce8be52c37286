// The problems the page URL had when the page opened: each key, its value and what was wrong, in a
// notice the person dismisses. The rest of the URL was applied (src/store/url-sync.ts).
import { useShallow } from 'zustand/react/shallow';
import { demoActions } from '../../store/app';
import { useApp } from '../../store';

/** A dismissible notice naming each URL key that could not be used as given. */
export function UrlNotice() {
  const problems = useApp(useShallow((s) => s.demo.problems));
  if (problems.length === 0) return null;
  return (
    <div className="url-notice" role="alert" data-testid="url.problems">
      <div className="url-notice-text">
        <strong>
          {problems.length === 1
            ? 'One part of the page address was not used as given'
            : `${problems.length} parts of the page address were not used as given`}
          ; the rest of it was applied:
        </strong>
        <ul>
          {problems.map((p, i) => (
            <li key={`${p.key}-${i}`} data-testid="url.problem" data-key={p.key}>
              <code>
                {p.key}
                {p.value !== undefined ? `=${p.value}` : ''}
              </code>
              : {p.message}
            </li>
          ))}
        </ul>
      </div>
      <button
        type="button"
        data-testid="url.problems.dismiss"
        onClick={() => demoActions.dismissProblems()}
      >
        Dismiss
      </button>
    </div>
  );
}
