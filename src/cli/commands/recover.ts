import { formatRecoverReport } from '../../replay/formatRecoverReport.js';
import { recoverLog, type RecoverReport } from '../../replay/recoverRecords.js';
import { namingPath } from '../../replay/namingPath.js';
import { CliError } from '../CliError.js';
import type { Command } from '../Command.js';
import { parseOptions } from '../parseOptions.js';

const usage = `usage: mshv-control recover LOG [--dry-run] [--from-snapshot]
Rebuilds the state at the log's last committed record by replaying its committed prefix, lists what
was live (partitions with their regions, VPs, doorbell ports, irqfds and deposited pages; eventfds)
and tears it down through the driver's release path: close(2) of each partition fd, its VP fds (the
last reference destroys the partition in the kernel's order, inventory §c.12), then the eventfds.
The simulated hypervisor's audit then proves nothing leaked. LOG is only read, never written.
  --dry-run        rebuild and list; close nothing
  --from-snapshot  rebuild from the log's last snapshot and replay only what follows it (a long
                   run recovers in the time of its tail; the records before the snapshot are not
                   re-run, read or verified, and the report says so); a log without a snapshot is
                   replayed from the start
Exit codes: 0 reconciled (or listed), 1 not reconciled (a leak), the prefix diverged, or the log is
damaged (the error names the record), 2 bad input (usage, an option given twice, missing file, not
a replayable log), 3 internal error (a fault of mshv-control itself: one line, no stack trace).`;

/** The refusal of a replay asked to start from a snapshot the log does not have. */
const NO_SNAPSHOT = 'no snapshot record in the log';

/**
 * The exit code of a recovery: 0 reconciled or listed, 1 a leak, a divergence or damage, 2 bad input.
 *
 * @example
 * recoverExitCode(recoverLog('crashed.log')); // 0
 */
export function recoverExitCode(r: RecoverReport): number {
  if (r.status === 'reconciled' || r.status === 'listed') return 0;
  return r.status === 'bad-input' ? 2 : 1;
}

/** `mshv-control recover LOG [--dry-run] [--from-snapshot]`. */
export const recoverCommand: Command = {
  name: 'recover',
  summary: "rebuild a crashed run's state from its log, list what was live and tear it down",
  usage,
  run(args, io) {
    const parsed = parseOptions(args, { '--dry-run': 'flag', '--from-snapshot': 'flag' }, usage);
    const dryRun = parsed.options.has('--dry-run');
    const fromSnapshot = parsed.options.has('--from-snapshot');
    const [path, extra] = parsed.operands;
    if (path === undefined || extra !== undefined)
      throw new CliError(`expected 'recover LOG [--dry-run] [--from-snapshot]'\n${usage}`);
    let report = recoverLog(path, { dryRun, ...(fromSnapshot ? { from: 'snapshot' as const } : {}) });
    if (
      fromSnapshot &&
      report.status === 'bad-input' &&
      report.replay.status === 'bad-input' &&
      report.replay.message.startsWith(NO_SNAPSHOT)
    ) {
      io.out('recover: the log has no snapshot: replaying it from the start');
      report = recoverLog(path, { dryRun });
    }
    if (report.status === 'bad-input')
      throw new CliError(namingPath(path, report.message ?? 'not a replayable log'));
    const lines = formatRecoverReport(report);
    const code = recoverExitCode(report);
    for (const l of lines) (code === 0 ? io.out : io.err)(l);
    return code;
  },
};
