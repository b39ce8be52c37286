// DataError: the one error every data reader and loader throws for bad input. It names the file
// (or URL, or Hub id), the 1-based line when one is to blame, and the problem, so the data panel
// can show "dev.tsv line 14: expected 2 columns, found 1" and point at the place.

/** A data problem with its place: `file` (name, URL or Hub id), `line` (1-based) when known. */
export class DataError extends Error {
  /** The file name, URL or Hub dataset the problem is in. */
  readonly file: string;
  /** 1-based physical line in the file; undefined when the problem is not on one line. */
  readonly line: number | undefined;
  /** The problem alone, without the place (the message is `file line N: reason`). */
  readonly reason: string;

  constructor(file: string, line: number | undefined, reason: string) {
    super(line === undefined ? `${file}: ${reason}` : `${file} line ${line}: ${reason}`);
    this.name = 'DataError';
    this.file = file;
    this.line = line;
    this.reason = reason;
  }
}

/** Whether `err` is a DataError (also across realms, where `instanceof` can fail). */
export function isDataError(err: unknown): err is DataError {
  return (
    err instanceof DataError ||
    (err instanceof Error && err.name === 'DataError' && 'file' in err && 'reason' in err)
  );
}
