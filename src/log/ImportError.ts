/**
 * A JSON Lines file that cannot be imported. `integrity` is true when the lines are well-formed
 * but were changed (a checksum that does not match, a missing line, a cut-off end, an export that
 * stopped at damage): exit 1; false for input that is not an export at all: exit 2.
 *
 * @example
 * new ImportError(6, null, false, "$.status: key 'status' appears twice in one object").message;
 * // "line 6: $.status: key 'status' appears twice in one object"
 */
export class ImportError extends Error {
  constructor(
    readonly line: number,
    readonly seq: number | null,
    readonly integrity: boolean,
    detail: string,
  ) {
    super(`line ${line}${seq === null ? '' : ` (seq ${seq})`}: ${detail}`);
    this.name = 'ImportError';
  }
}

/**
 * A target path an import cannot write a new log at (it exists, has a SQLite side file beside it,
 * is not a file path, or its directory is missing or not writable). Raised before any line is read
 * or anything is written.
 *
 * @example
 * new ImportTargetError('/tmp/x.log', '/tmp/x.log-wal exists beside it').message;
 * // '/tmp/x.log: /tmp/x.log-wal exists beside it'
 */
export class ImportTargetError extends Error {
  constructor(
    readonly target: string,
    detail: string,
  ) {
    super(`${target === '' ? "''" : target}: ${detail}`);
    this.name = 'ImportTargetError';
  }
}
