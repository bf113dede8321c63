import { formatVerdict } from '../../replay/formatVerdict.js';
import { replayLog } from '../../replay/replayLog.js';
import type { ReplayOptions, ReplayVerdict } from '../../replay/replaySession.js';
import { namingPath } from '../../replay/namingPath.js';
import { CliError } from '../CliError.js';
import type { Command } from '../Command.js';
import { parseCliBigint } from '../parseNumber.js';

const usage = `usage: mshv-control replay LOG [--from-snapshot[=SEQ]] [--no-cross-check] [--verify-checksums]
Re-runs the log's intents through the runtime that wrote them (the ControlPlane's machines, or the
scenario runner) and the driver, against a recorded hypervisor: each hypercall is answered from the
log after its control word and input bytes are checked byte for byte, while the simulated hypervisor
rebuilt from the header runs in lock step (shared pages, messages) and cross-checks each recorded
answer. Every record must come out identical.
  --from-snapshot[=SEQ]  restore the last snapshot (at or before SEQ) and replay the rest; the
                         records before the snapshot are not read (the verdict says so)
  --no-cross-check       use recorded answers without comparing them with the simulated hypervisor's
  --verify-checksums     recompute every record's checksum while reading (by default every record's
                         but the hypercalls': those are compared byte for byte with what the re-run
                         produces, their checksums checked for form and for the link into the next
                         record wherever that one is recomputed; a divergent record whose checksum no
                         longer matches is reported as damage)
Exit codes: 0 identical, 1 the first divergent record (seq, kind, expected vs actual decoded) or a
damaged log, 2 bad input (usage, missing file, not a log, a log format this build does not read, no
run meta). LOG is never written.`;

/**
 * The exit code of a replay verdict: 0 identical, 1 diverged or damaged, 2 bad input.
 *
 * @example
 * verdictExitCode(replayLog('run.log')); // 0
 */
export function verdictExitCode(v: ReplayVerdict): number {
  return v.status === 'identical' ? 0 : v.status === 'bad-input' ? 2 : 1;
}

/** `mshv-control replay LOG`: replay a log and report the first divergence. */
export const replayCommand: Command = {
  name: 'replay',
  summary: 'replay a log against its recorded hypervisor; report the first divergent record',
  usage,
  run(args, io) {
    let path: string | undefined;
    let from: ReplayOptions['from'] = 'start';
    let crossCheck = true;
    let checksums: ReplayOptions['checksums'] = 'except-hypercalls';
    const seen = new Set<string>();
    for (const a of args) {
      // An option given twice is a mistake to name, not a choice to make silently (the last one).
      const option = a.startsWith('--') ? (a.split('=')[0] ?? a) : null;
      if (option !== null && seen.has(option)) throw new CliError(`${option} given more than once\n${usage}`);
      if (option !== null) seen.add(option);
      if (a === '--from-snapshot') from = 'snapshot';
      else if (a.startsWith('--from-snapshot=')) {
        const seq = parseCliBigint(a.slice('--from-snapshot='.length), '--from-snapshot');
        if (seq < 1n || seq > BigInt(Number.MAX_SAFE_INTEGER))
          throw new CliError(`--from-snapshot: ${seq} is not a seq`);
        from = Number(seq);
      } else if (a === '--no-cross-check') crossCheck = false;
      else if (a === '--verify-checksums') checksums = 'all';
      else if (a.startsWith('-')) throw new CliError(`unknown option '${a}'\n${usage}`);
      else if (path === undefined) path = a;
      else throw new CliError(`unexpected argument '${a}'\n${usage}`);
    }
    if (path === undefined) throw new CliError(`missing LOG\n${usage}`);
    const verdict = replayLog(path, { from, crossCheck, checksums });
    if (verdict.status === 'bad-input') throw new CliError(namingPath(path, verdict.message));
    const lines = formatVerdict(verdict);
    if (verdict.status === 'identical') for (const l of lines) io.out(l);
    else for (const l of lines) io.err(l);
    return verdictExitCode(verdict);
  },
};
