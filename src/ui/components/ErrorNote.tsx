// An error message shown where the error happened (data panel, run panel), announced to assistive
// technology through role="alert".
import type { ReactNode } from 'react';

interface ErrorNoteProps {
  testId: string;
  title: string;
  children: ReactNode;
}

/** A visible, announced error box. */
export function ErrorNote({ testId, title, children }: ErrorNoteProps) {
  return (
    <div className="error-note" role="alert" data-testid={testId}>
      <strong>{title}</strong>
      <div className="error-body">{children}</div>
    </div>
  );
}
