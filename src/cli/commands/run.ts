import { basename, dirname } from 'node:path';
import { type LogDurability, LogWriter } from '../../log/LogWriter.js';
import { CountingRecorder } from '../../pipeline/HypercallRecorder.js';
import { runHeader } from '../../replay/RunMeta.js';
import { runScenarioLogged, scenarioRunMeta } from '../../replay/runScenarioLogged.js';
import { DEFAULT_SNAPSHOT_EVERY } from '../../replay/wireLoggedWorld.js';
import { runScenario, type RunReport } from '../../runner/runScenario.js';
import { SimWorld } from '../../runner/SimWorld.js';
import { describeFailure, stepMet } from '../../runner/StepOutcome.js';
import { CliError } from '../CliError.js';
import type { CliIo, Command } from '../Command.js';
import { parseCliInteger } from '../parseNumber.js';
import { optionValue, parseOptions } from '../parseOptions.js';
import { loadScenarioArg } from './loadScenarioArg.js';

const usage = `usage: mshv-control run SCENARIO [--log LOG [--durability full|normal] [--snapshot-every N]]
Runs a scenario on the simulated hypervisor and prints a summary. A step fails when it misses its
expect, or when it is not run or never returns (docs/scenario-format.md, "How a run ends"). Options
take their value as '--opt V' or '--opt=V', each at most once.
Exit codes: 0 every step met its expect, 1 the first step that did not (named on stderr), 2 a bad
scenario (or a check model: run it with 'check') or usage, 3 internal error (a fault of
mshv-control itself: one line, no stack trace).
  --log LOG             write the run's event log to LOG (a new file; never overwritten): one intent
                        per step, each operation with its hypercalls and result, committed at every
                        operation; the header holds the seed and the world, so 'replay LOG' re-runs it
  --durability MODE     full (default): an fsync per commit; normal: synced at checkpoints (a process
                        kill loses nothing committed, a power loss may lose the last commits)
  --snapshot-every N    a snapshot record every N records, a decimal integer (default
                        ${DEFAULT_SNAPSHOT_EVERY}; 0: none)`;

interface RunArgs {
  readonly file: string | undefined;
  readonly log: string | undefined;
  readonly durability: LogDurability;
  readonly snapshotEvery: number;
}

const OPTIONS = { '--log': 'value', '--durability': 'value', '--snapshot-every': 'value' } as const;

/** The largest `--snapshot-every`. */
const SNAPSHOT_EVERY_MAX = 1_000_000_000n;

function parseArgs(args: readonly string[]): RunArgs {
  const parsed = parseOptions(args, OPTIONS, usage);
  const [file, extra] = parsed.operands;
  if (extra !== undefined) throw new CliError(`unexpected argument '${extra}'\n${usage}`);
  const log = optionValue(parsed, '--log');
  const durability = optionValue(parsed, '--durability');
  if (durability !== undefined && durability !== 'full' && durability !== 'normal')
    throw new CliError(`--durability: '${durability}' is not full or normal`);
  const every = optionValue(parsed, '--snapshot-every');
  const snapshotEvery =
    every === undefined
      ? undefined
      : Number(parseCliInteger(every, '--snapshot-every', 'decimal', { min: 0n, max: SNAPSHOT_EVERY_MAX }));
  if (log === undefined && (durability !== undefined || snapshotEvery !== undefined))
    throw new CliError(`--durability and --snapshot-every need --log\n${usage}`);
  return {
    file,
    log,
    durability: durability ?? 'full',
    snapshotEvery: snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY,
  };
}

export const runCommand: Command = {
  name: 'run',
  summary: 'run a scenario on the simulated hypervisor and check every expect (optionally logging it)',
  usage,
  async run(args, io) {
    const opts = parseArgs(args);
    const scenario = await loadScenarioArg(opts.file, usage);
    const recorder = new CountingRecorder();
    let report: RunReport;
    let world: SimWorld;
    if (opts.log === undefined) {
      world = new SimWorld(scenario, recorder);
      for (const line of world.describe()) io.out(line);
      report = runScenario(scenario, world, undefined);
    } else {
      const meta = scenarioRunMeta(scenario, { snapshotEvery: opts.snapshotEvery });
      let writer: LogWriter;
      try {
        writer = LogWriter.create(
          opts.log,
          runHeader(meta, `mshv-control run ${basename(opts.file ?? '')}`, { scenario: scenario.name }),
          { durability: opts.durability },
        );
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') throw new CliError(`--log: no such directory ${dirname(opts.log)}`);
        if (code === 'EEXIST' || code === 'EACCES') throw new CliError((e as Error).message);
        // Any other system error on the path (a directory, a file as a directory, a read-only disk).
        if (typeof code === 'string') throw new CliError(`--log ${opts.log}: ${(e as Error).message}`);
        throw e;
      }
      try {
        const run = runScenarioLogged(scenario, writer, {
          snapshotEvery: opts.snapshotEvery,
          recorder,
          onWorld: (w) => {
            for (const line of w.describe()) io.out(line);
          },
        });
        report = run.report;
        world = run.world;
      } finally {
        writer.close();
      }
      io.out(`log: ${opts.log}: ${writer.committedSeq} records, ${opts.durability} durability, closed`);
    }
    summary(io, report, recorder, world);
    if (report.failed !== undefined) {
      const f = report.failed;
      io.err(describeFailure(f));
      return 1;
    }
    return 0;
  },
};

function summary(io: CliIo, report: RunReport, recorder: CountingRecorder, world: SimWorld): void {
  for (const o of report.outcomes) {
    const mark = stepMet(o) ? 'ok  ' : 'FAIL';
    io.out(
      `${mark} step ${o.index} ${o.op} ${o.partition}: expect ${o.expected}, got ${o.actual} (${o.detail})`,
    );
  }
  const env = world.device.env;
  io.out(`hypercalls: ${recorder.total}`);
  // Code-unit order, not localeCompare: the report must not depend on the locale (ICU reads LANG).
  for (const [name, n] of [...recorder.byName].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)))
    io.out(`  ${name} ${n}`);
  io.out(`interrupt windows: ${env.windows.count}, largest ${env.windows.largestReps} reps`);
  const audit = world.machine.audit();
  io.out(`audit: ${audit.ok ? 'conserved' : 'VIOLATED'}`);
}
