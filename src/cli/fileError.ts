import { CliError } from './CliError.js';

/**
 * The CLI error for a file the command could not read, from the system error reading it: a missing
 * file, a directory, a file it may not read; null for any other error (not a file problem).
 *
 * @example
 * fileError('/tmp', Object.assign(new Error('EISDIR'), { code: 'EISDIR' }))?.message; // '/tmp: a directory, not a file'
 */
export function fileError(path: string, e: unknown): CliError | null {
  const code = e instanceof Error && 'code' in e ? e.code : undefined;
  switch (code) {
    case 'ENOENT':
      return new CliError(`${path}: no such file`);
    case 'EISDIR':
      return new CliError(`${path}: a directory, not a file`);
    case 'EACCES':
    case 'EPERM':
      return new CliError(`${path}: permission denied`);
    default:
      return null;
  }
}
