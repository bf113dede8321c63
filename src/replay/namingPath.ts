/**
 * A message about the file at `path`, naming it once: a log's own errors (a LogError) start with
 * the path already; others (a header's run meta, a missing snapshot) get it in front.
 *
 * @example
 * namingPath('run.log', 'run.log: no such file'); // 'run.log: no such file'
 * namingPath('run.log', 'no snapshot record in the log'); // 'run.log: no snapshot record in the log'
 */
export function namingPath(path: string, message: string): string {
  return message.startsWith(`${path}: `) ? message : `${path}: ${message}`;
}
