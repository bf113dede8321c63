import {
  type CounterexampleLogJudgement,
  judgeCounterexampleLog,
} from '../../check/judgeCounterexampleLog.js';
import { LogError } from '../../log/LogError.js';
import { formatVerdict } from '../../replay/formatVerdict.js';
import { replayLog } from '../../replay/replayLog.js';
import type { ReplayOptions, ReplayVerdict } from '../../replay/replaySession.js';
import { namingPath } from '../../replay/namingPath.js';
import { ScenarioError } from '../../scenario/ScenarioError.js';
import { CliError } from '../CliError.js';
import type { CliIo, Command } from '../Command.js';
import { parseCliInteger } from '../parseNumber.js';
import { parseOptions } from '../parseOptions.js';

const usage = `usage: mshv-control replay LOG [--from-snapshot[=SEQ]] [--no-cross-check] [--verify-checksums]
Re-runs the log's intents through the runtime that wrote them (the ControlPlane's machines, or the
scenario runner) and the driver, against a recorded hypervisor: each hypercall is answered from the
log after its control word and input bytes are checked byte for byte, while the simulated hypervisor
rebuilt from the header runs in lock step (shared pages, messages) and cross-checks each recorded
answer. Every record must come out identical.
  --from-snapshot[=SEQ]  restore the last snapshot (at or before SEQ, a decimal seq, written
                         in one argument: --from-snapshot=5) and replay the rest; the records
                         before the snapshot are not read (the verdict says so)
  --no-cross-check       use recorded answers without comparing them with the simulated hypervisor's
  --verify-checksums     recompute every record's checksum while reading (by default every record's
                         but the hypercalls': those are compared byte for byte with what the re-run
                         produces, their checksums checked for form and for the link into the next
                         record wherever that one is recomputed; a divergent record whose checksum no
                         longer matches is reported as damage)
A counterexample log of 'mshv-control check' (its header has meta.check) is also re-judged: its
counterexample is rebuilt from the header and re-run with every invariant judged, as 'check
FILE.json' does, and a line says whether its invariant breaks again ('check: reproduces
failedMap: …'), another one breaks first, or none does.
Exit codes: 0 identical (and, for a counterexample log, its violation reproduces), 1 the first
divergent record (seq, kind, expected vs actual decoded) or a damaged log, or a counterexample log
whose violation does not reproduce (another invariant breaks first, or none), 2 bad input (usage,
missing file, not a log, a log format this build does not read, no run meta, a meta.check this build
does not read; an option given twice), 3 internal error (a fault of mshv-control itself: one line,
no stack trace). LOG is never written.`;

const OPTIONS = {
  '--from-snapshot': 'optional',
  '--no-cross-check': 'flag',
  '--verify-checksums': 'flag',
} as const;

/**
 * The exit code of a replay verdict: 0 identical, 1 diverged or damaged, 2 bad input.
 *
 * @example
 * verdictExitCode(replayLog('run.log')); // 0
 */
export function verdictExitCode(v: ReplayVerdict): number {
  return v.status === 'identical' ? 0 : v.status === 'bad-input' ? 2 : 1;
}

/**
 * Re-judge a counterexample log's violation (undefined for any other log). A log replay could not
 * open is left to replay's verdict; a meta.check this build cannot read is bad input.
 */
function judged(path: string): CounterexampleLogJudgement | undefined {
  try {
    return judgeCounterexampleLog(path);
  } catch (e) {
    if (e instanceof LogError) return undefined;
    if (e instanceof ScenarioError)
      throw new CliError(
        `${path}: the header's meta.check is not a counterexample this build reads: ${e.message}`,
      );
    throw e;
  }
}

/** Print the re-judged violation; true when the log's own invariant broke again. */
function printJudgement(j: CounterexampleLogJudgement, io: CliIo): boolean {
  const cex = j.counterexample;
  if (cex.variant !== null)
    io.err(
      `note: found on the planted variant '${cex.variant}'; its violation is re-judged on the shipped stack`,
    );
  const r = j.reproduction;
  switch (r.verdict) {
    case 'reproduces':
      io.out(`check: reproduces ${cex.invariant}: ${r.violation.message}`);
      return true;
    case 'other':
      io.err(
        `check: does not reproduce ${cex.invariant}; this build breaks ${r.violation.invariant} instead: ${r.violation.message}`,
      );
      return false;
    case 'clean':
      io.err(`check: does not reproduce ${cex.invariant} on this build (no invariant breaks)`);
      return false;
  }
}

/** `mshv-control replay LOG`: replay a log and report the first divergence. */
export const replayCommand: Command = {
  name: 'replay',
  summary: 'replay a log against its recorded hypervisor; report the first divergent record',
  usage,
  run(args, io) {
    const parsed = parseOptions(args, OPTIONS, usage);
    const [path, extra] = parsed.operands;
    if (extra !== undefined) throw new CliError(`unexpected argument '${extra}'\n${usage}`);
    const snapshot = parsed.options.get('--from-snapshot');
    let from: ReplayOptions['from'] = 'start';
    if (snapshot === true) from = 'snapshot';
    else if (snapshot !== undefined)
      from = Number(
        parseCliInteger(snapshot, '--from-snapshot', 'decimal', {
          min: 1n,
          max: BigInt(Number.MAX_SAFE_INTEGER),
        }),
      );
    const crossCheck = !parsed.options.has('--no-cross-check');
    const checksums: ReplayOptions['checksums'] = parsed.options.has('--verify-checksums')
      ? 'all'
      : 'except-hypercalls';
    if (path === undefined) throw new CliError(`missing LOG\n${usage}`);
    const verdict = replayLog(path, { from, crossCheck, checksums });
    if (verdict.status === 'bad-input') throw new CliError(namingPath(path, verdict.message));
    const lines = formatVerdict(verdict);
    if (verdict.status === 'identical') for (const l of lines) io.out(l);
    else for (const l of lines) io.err(l);
    const judgement = judged(path);
    const reproduced = judgement === undefined || printJudgement(judgement, io);
    const code = verdictExitCode(verdict);
    return code === 0 && !reproduced ? 1 : code;
  },
};
