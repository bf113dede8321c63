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
import { parseCliBigint } from '../parseNumber.js';
import { loadScenarioArg } from './loadScenarioArg.js';

const usage = `usage: mshv-control run SCENARIO [--log LOG [--durability full|normal] [--snapshot-every N]]
Runs a scenario on the simulated hypervisor and prints a summary. Exit 0 when every step met its
expect, 1 at the first step that did not (naming it), 2 on a bad scenario or usage.
  --log LOG             write the run's event log to LOG (a new file; never overwritten): one intent
                        per step, each operation with its hypercalls and result, committed at every
                        operation; the header holds the seed and the world, so 'replay LOG' re-runs it
  --durability MODE     full (default): an fsync per commit; normal: synced at checkpoints (a process
                        kill loses nothing committed, a power loss may lose the last commits)
  --snapshot-every N    a snapshot record every N records (default ${DEFAULT_SNAPSHOT_EVERY}; 0: none)`;

interface RunArgs {
  readonly file: string | undefined;
  readonly log: string | undefined;
  readonly durability: LogDurability;
  readonly snapshotEvery: number;
}

function parseArgs(args: readonly string[]): RunArgs {
  let file: string | undefined;
  let log: string | undefined;
  let durability: LogDurability | undefined;
  let snapshotEvery: number | undefined;
  const seen = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new CliError(`${a}: missing value\n${usage}`);
      return v;
    };
    if ((a === '--log' || a === '--durability' || a === '--snapshot-every') && seen.has(a))
      throw new CliError(`${a}: given twice\n${usage}`);
    seen.add(a);
    if (a === '--log') log = value();
    else if (a === '--durability') {
      const d = value();
      if (d !== 'full' && d !== 'normal') throw new CliError(`--durability: '${d}' is not full or normal`);
      durability = d;
    } else if (a === '--snapshot-every') {
      const n = parseCliBigint(value(), '--snapshot-every');
      if (n > 1_000_000_000n) throw new CliError(`--snapshot-every: ${n} is above 1000000000`);
      snapshotEvery = Number(n);
    } else if (a.startsWith('-')) throw new CliError(`unknown option '${a}'\n${usage}`);
    else if (file === undefined) file = a;
    else throw new CliError(`unexpected argument '${a}'\n${usage}`);
  }
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
  for (const [name, n] of [...recorder.byName].sort((a, b) => a[0].localeCompare(b[0])))
    io.out(`  ${name} ${n}`);
  io.out(`interrupt windows: ${env.windows.count}, largest ${env.windows.largestReps} reps`);
  const audit = world.machine.audit();
  io.out(`audit: ${audit.ok ? 'conserved' : 'VIOLATED'}`);
}
