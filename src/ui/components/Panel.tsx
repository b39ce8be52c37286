// A titled panel of the dashboard grid: a <section> labelled by its heading.
import type { ReactNode } from 'react';

interface PanelProps {
  /** Stable id; the heading gets `${id}-title`. */
  id: string;
  title: string;
  /** Extra content at the right of the heading (a status, a hint). */
  aside?: ReactNode;
  className?: string;
  testId?: string;
  children: ReactNode;
}

/** A dashboard panel with a heading and optional aside. */
export function Panel({ id, title, aside, className, testId, children }: PanelProps) {
  return (
    <section
      className={className ? `panel ${className}` : 'panel'}
      aria-labelledby={`${id}-title`}
      data-testid={testId}
    >
      <header className="panel-head">
        <h2 id={`${id}-title`}>{title}</h2>
        {aside !== undefined && <div className="panel-aside">{aside}</div>}
      </header>
      {children}
    </section>
  );
}
