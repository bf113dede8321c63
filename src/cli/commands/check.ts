import { closeSync, existsSync, openSync, statSync, unlinkSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CRASH_POINTS, type CheckModel, type CrashPoints } from '../../check/CheckModel.js';
import { coverageLines } from '../../check/coverageReport.js';
import {
  type Counterexample,
  counterexampleFromJson,
  counterexampleJson,
  isCounterexampleJson,
  reproduction,
} from '../../check/Counterexample.js';
import { defaultModel } from '../../check/defaultModel.js';
import { ALL_INVARIANTS } from '../../check/invariants/index.js';
import { checkStrategyFits, loadCheckModel } from '../../check/loadCheckModel.js';
import { type CheckProgress, type CheckResult, runCheck, type Strategy } from '../../check/runCheck.js';
import { SHRINK_ATTEMPTS_MAX } from '../../check/shrink.js';
import { writeCounterexampleLog } from '../../check/writeCounterexampleLog.js';
import { type ParsedJson, parseJson } from '../../scenario/parseJson.js';
import { ScenarioError } from '../../scenario/ScenarioError.js';
import { CliError } from '../CliError.js';
import { fileError } from '../fileError.js';
import { parseCliInteger, parseCliSeed } from '../parseNumber.js';
import { optionValue, parseOptions } from '../parseOptions.js';
import type { CliIo, Command } from '../Command.js';

const usage = `usage: mshv-control check [MODEL] [--strategy bfs|dfs|random] [--seed N] [--time-limit S]
                           [--workers N] [--out DIR] [--crash-inside]
                           [--crash-points states|transitions]
       mshv-control check COUNTEREXAMPLE.json
Explores a check model (docs/guide/check.md; the default model when MODEL is left out) on the
shipped stack: ControlPlane requests, guest exits, signals, armed hypervisor faults and crashes of
the VMM, checking every invariant after every step. Prints progress, then states, transitions and
coverage. On a violation it prints the invariant and the shrunk trace, and writes the
counterexample as a JSON file and as an event log in DIR (default: the current directory).
Given a counterexample file, re-runs it as recorded and reports whether it still violates its
invariant, or which other invariant it violates instead; it takes no option (each is refused,
exit 2). A scenario (a file with "steps") is not a check model: it is refused (exit 2), pointing
at 'run' and 'trace'. Options take their value as '--opt V' or '--opt=V', each at most once.
  --strategy   bfs (default: shortest counterexample), dfs, or random (seeded swarm walks)
  --seed       seed of the random walks, a u32, decimal or 0x hex (default: the model world's
               seed); random only
  --time-limit stop exploring after S seconds, a positive decimal integer (the verdict is then
               "bounded")
  --workers    worker threads, a positive decimal integer, at most 4 per CPU (default 1)
  --out        the directory for a counterexample; it must exist and be writable (checked before
               exploring)
  --crash-inside  also crash the VMM inside intents: BFS and DFS after each operation of each
               intent (2.5 to 3 times as long on the default model), random walks inside half
               their crashes; sets the model's crash and crashInside
  --crash-points  where the VMM may die between intents: states (once per distinct state) or
               transitions (after every step that changed the world, into a state already seen
               too; BFS and DFS; about 2.5 times as long); sets the model's crash and crashPoints
Exit codes: 0 no violation within the bounds (or a counterexample that breaks no invariant), 1 a
violation (or a counterexample that breaks its own invariant or another one; a counterexample
that could not be saved is printed and said so on stderr), 2 bad input (usage, a model or
counterexample file that does not load: its path, line, JSON path and rule are named; a model with
crash points at transitions under random; an --out that is not a writable
directory),
3 internal error: a violation did not reproduce (a fault of the checker, not of the stack; nothing
is written), or any other fault of mshv-control itself (one line, no stack trace).`;

interface CheckArgs {
  readonly file: string | undefined;
  readonly strategy: Strategy;
  readonly seed: number | undefined;
  readonly timeLimitS: number | undefined;
  readonly workers: number;
  readonly out: string;
  readonly crashInside: boolean;
  /** `--crash-points`, when given. */
  readonly crashPoints: CrashPoints | undefined;
  /** The options given on the command line, by name (a counterexample file takes none). */
  readonly given: readonly string[];
}

/** The longest `--time-limit`: about 31 years, so its milliseconds stay a safe integer. */
const TIME_LIMIT_S_MAX = 1_000_000_000n;

/** `--workers`: at least 1; the ceiling (4 per CPU) is checked with its own message. */
const WORKERS = { min: 1n, max: 1024n };

const OPTIONS = {
  '--strategy': 'value',
  '--seed': 'value',
  '--time-limit': 'value',
  '--workers': 'value',
  '--out': 'value',
  '--crash-inside': 'flag',
  '--crash-points': 'value',
} as const;

/**
 * Parse the command line; bad arguments exit 2. Numbers are parsed by `parseCliInteger`: `--seed`
 * a u32 in decimal or 0x hex (as every command's), `--workers` and `--time-limit` positive decimal
 * integers (digits only). `--out` must be a directory this process can write (checked here, before
 * any exploring: a counterexample found after minutes must have somewhere to go).
 *
 * @example
 * parseCheckArgs(['world.json', '--strategy', 'dfs', '--workers=4']);
 * // { file: 'world.json', strategy: 'dfs', workers: 4, out: '.', crashInside: false, ... }
 */
export function parseCheckArgs(args: readonly string[]): CheckArgs {
  const parsed = parseOptions(args, OPTIONS, usage);
  const [file, extra] = parsed.operands;
  if (extra !== undefined) throw new CliError(`unexpected argument '${extra}'\n${usage}`);
  const strategyText = optionValue(parsed, '--strategy') ?? 'bfs';
  if (strategyText !== 'bfs' && strategyText !== 'dfs' && strategyText !== 'random')
    throw new CliError(`--strategy: '${strategyText}' is not bfs, dfs or random\n${usage}`);
  const strategy: Strategy = strategyText;
  const seedText = optionValue(parsed, '--seed');
  const seed = seedText === undefined ? undefined : parseCliSeed(seedText);
  const timeText = optionValue(parsed, '--time-limit');
  const timeLimitS =
    timeText === undefined
      ? undefined
      : Number(parseCliInteger(timeText, '--time-limit', 'decimal', { min: 1n, max: TIME_LIMIT_S_MAX }));
  const workersText = optionValue(parsed, '--workers');
  const workers =
    workersText === undefined ? 1 : Number(parseCliInteger(workersText, '--workers', 'decimal', WORKERS));
  if (workers > availableParallelism() * 4)
    throw new CliError(`--workers: ${workers} is more than 4 per CPU (${availableParallelism()} CPUs)`);
  const out = optionValue(parsed, '--out') ?? '.';
  const crashInside = parsed.options.has('--crash-inside');
  const pointsText = optionValue(parsed, '--crash-points');
  const crashPoints = CRASH_POINTS.find((p) => p === pointsText);
  if (pointsText !== undefined && crashPoints === undefined)
    throw new CliError(`--crash-points: '${pointsText}' is not ${CRASH_POINTS.join(' or ')}\n${usage}`);
  const given = [...parsed.options.keys()];
  return { file, strategy, seed, timeLimitS, workers, out, crashInside, crashPoints, given };
}

/**
 * The checks of a model run's options against each other and the file system, before exploring.
 */
function checkModelArgs(a: CheckArgs): void {
  if (a.crashPoints === 'transitions' && a.strategy === 'random')
    throw new CliError(
      `--crash-points: a crash after every transition is explored by bfs and dfs; random walks crash at random steps\n${usage}`,
    );
  // BFS and DFS draw no random numbers: a seed given to them would be silently ignored.
  if (a.seed !== undefined && a.strategy !== 'random')
    throw new CliError(`--seed: seeds the random walks; ${a.strategy} draws no random numbers\n${usage}`);
  // Checked before exploring: a counterexample found after minutes must have somewhere to go.
  if (!existsSync(a.out)) throw new CliError(`--out: no such directory ${a.out}`);
  if (!statSync(a.out).isDirectory()) throw new CliError(`--out: ${a.out} is not a directory`);
  const unwritable = probeWritable(a.out);
  if (unwritable !== undefined)
    throw new CliError(
      `--out: ${a.out} is not writable (${unwritable}); a counterexample could not be saved`,
    );
}

/**
 * Whether this process can create a file in `dir`: undefined when it can, else the error code. A
 * probe file is created and removed (the access bits alone do not tell: root ignores them, a
 * read-only mount or /proc refuses anyway).
 */
function probeWritable(dir: string): string | undefined {
  const probe = join(dir, `.mshv-control-check-${process.pid}.probe`);
  try {
    closeSync(openSync(probe, 'wx'));
    unlinkSync(probe);
    return undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? String(e);
  }
}

async function readJsonArg(file: string): Promise<ParsedJson> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const unreadable = fileError(file, e);
    if (unreadable !== null) throw unreadable;
    throw e;
  }
  try {
    return parseJson(text);
  } catch (e) {
    if (e instanceof ScenarioError) throw new CliError(e.inFile(file).message);
    throw e;
  }
}

/**
 * A scenario file (docs/scenario-format.md) rather than a check model: an object with `steps` and no
 * `intents`. The scenario contract names `check` among the commands that read a scenario; this
 * implementation's `check` explores a check model instead, and says so rather than failing on the
 * first scenario field a model lacks.
 */
function isScenarioJson(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.hasOwn(value, 'steps') &&
    !Object.hasOwn(value, 'intents')
  );
}

/** A file name in `dir` that does not exist yet: `base.ext`, `base-2.ext`, … */
function freshName(dir: string, base: string, ext: string): string {
  for (let n = 1; ; n++) {
    const path = join(dir, `${base}${n === 1 ? '' : `-${n}`}${ext}`);
    if (!existsSync(path) && !existsSync(`${path}-wal`) && !existsSync(`${path}-journal`)) return path;
  }
}

function progressLine(p: CheckProgress): string {
  const perS = (n: number): number => (p.elapsedMs > 0 ? Math.round((n / p.elapsedMs) * 1000) : 0);
  return `${p.strategy} ${(p.elapsedMs / 1000).toFixed(1)}s states ${p.states} (${perS(p.states)}/s) transitions ${p.transitions} (${perS(p.transitions)}/s) depth ${p.depth} frontier ${p.frontier} violations ${p.violations}`;
}

function printCounterexample(io: CliIo, cex: Counterexample): void {
  io.out(`VIOLATION of ${cex.invariant}: ${cex.message}`);
  io.out(`counterexample (${cex.intents.length} intents${cex.crash ? ' and a crash' : ''}):`);
  for (const line of cex.trace) io.out(`  ${line}`);
}

/**
 * Re-run a counterexample file: exit 1 while it breaks an invariant (saying whether it is the one
 * the file records), 0 once it breaks none; a file that does not load is bad input (exit 2).
 */
function reproduceFile(parsed: ParsedJson, file: string, io: CliIo): number {
  let cex: Counterexample;
  try {
    cex = counterexampleFromJson(parsed.value);
  } catch (e) {
    if (e instanceof ScenarioError)
      throw new CliError(e.at(parsed.positions.get(e.path)).inFile(file).message);
    throw e;
  }
  if (cex.variant !== null)
    io.err(`note: found on the planted variant '${cex.variant}'; re-running it on the shipped stack`);
  const r = reproduction(cex);
  switch (r.verdict) {
    case 'clean':
      io.out(`${file}: does not reproduce on this build (no invariant breaks)`);
      return 0;
    case 'reproduces':
      io.out(`${file}: reproduces: ${r.violation.invariant}: ${r.violation.message}`);
      return 1;
    case 'other':
      io.out(
        `${file}: does not reproduce ${cex.invariant}; this build breaks ${r.violation.invariant} instead: ${r.violation.message}`,
      );
      return 1;
  }
}

/**
 * The report after the progress display: the verdict and the counts. No wall time here (the
 * progress display's last line carries the run's elapsed time): same model and options, same bytes.
 */
function summary(io: CliIo, r: CheckResult): void {
  io.out(
    `verdict: ${r.verdict === 'clean' ? 'no violation within the bounds' : r.verdict === 'bounded' ? 'no violation (exploration stopped by the state budget or the time limit)' : 'VIOLATION'}`,
  );
  io.out(
    `states ${r.states}, transitions ${r.transitions}, depth ${r.depth}, steps executed ${r.work.steps} (replays included), worlds built ${r.work.worlds}`,
  );
}

/**
 * Write a counterexample as `check-<invariant>.json` and `check-<invariant>.log` in `dir` (fresh
 * names, never overwriting) and print their names. The log is the counterexample run once more on
 * a logging world (`writeCounterexampleLog`); when that run breaks another invariant first, or none,
 * the log is still written (it is that run's record) and a warning on stderr says what it breaks, so
 * `replay` of it will not reproduce the counterexample's invariant. Returns the two paths.
 *
 * @example
 * await writeCounterexampleFiles(cex, '.', io); // { json: './check-liveness.json', log: './check-liveness.log' }
 */
export async function writeCounterexampleFiles(
  cex: Counterexample,
  dir: string,
  io: CliIo,
): Promise<{ readonly json: string; readonly log: string }> {
  const base = `check-${cex.invariant}`;
  const json = freshName(dir, base, '.json');
  await writeFile(json, `${JSON.stringify(counterexampleJson(cex), null, 2)}\n`);
  const log = freshName(dir, base, '.log');
  const logged = writeCounterexampleLog(cex, log);
  io.out(`wrote ${json} and ${log}`);
  if (logged?.invariant !== cex.invariant)
    io.err(
      `warning: the run written to ${log} ${logged === undefined ? 'breaks no invariant' : `breaks ${logged.invariant} first (${logged.message})`}, not ${cex.invariant}: replaying it will not reproduce the counterexample`,
    );
  return { json, log };
}

/** `mshv-control check`: the lifecycle model checker. */
export const checkCommand: Command = {
  name: 'check',
  summary: 'model-check lifecycle orderings, faults and crashes; print a minimal counterexample',
  usage,
  async run(args, io) {
    const a = parseCheckArgs(args);
    let model: CheckModel;
    if (a.file === undefined) {
      checkModelArgs(a);
      model = defaultModel();
    } else {
      const parsed = await readJsonArg(a.file);
      if (isCounterexampleJson(parsed.value)) {
        // A counterexample is re-run as recorded: an option for exploring would be silently dropped.
        const [option] = a.given;
        if (option !== undefined)
          throw new CliError(
            `${option}: ${a.file} is a counterexample, which is re-run as recorded, not explored; options apply to a model\n${usage}`,
          );
        return reproduceFile(parsed, a.file, io);
      }
      if (isScenarioJson(parsed.value))
        throw new CliError(
          `${a.file}: this is a scenario (it has "steps"); check takes a check model (docs/guide/check.md), with "intents" instead of steps. Run a scenario with 'mshv-control run ${a.file}' or 'mshv-control trace ${a.file}'.`,
        );
      checkModelArgs(a);
      try {
        model = loadCheckModel(parsed.value);
        checkStrategyFits(model, a.strategy);
      } catch (e) {
        if (e instanceof ScenarioError)
          throw new CliError(e.at(parsed.positions.get(e.path)).inFile(a.file).message);
        throw e;
      }
    }
    if (a.crashInside) model = { ...model, crash: true, crashInside: true };
    if (a.crashPoints !== undefined) model = { ...model, crash: true, crashPoints: a.crashPoints };
    const inside = model.crashInside === true;
    const crashes = !model.crash
      ? 'none'
      : a.strategy === 'random'
        ? `at random steps${inside ? ', half of them inside intents' : ''}`
        : `${model.crashPoints === 'transitions' ? 'after every transition' : 'at every state'}${inside ? ' and inside intents' : ''}`;
    io.out(
      `model ${model.name}: seed ${model.world.seed}, scheduler ${model.world.hypervisor.scheduler}, bounds ${JSON.stringify(model.bounds)}, crashes ${crashes}, strategy ${a.strategy}, workers ${a.workers}`,
    );
    let lastMs = -Infinity;
    const result = await runCheck({
      model,
      strategy: a.strategy,
      ...(a.seed === undefined ? {} : { seed: a.seed }),
      workers: a.workers,
      // The wall clock, here only: the time limit and the progress display.
      now: () => performance.now(),
      ...(a.timeLimitS === undefined ? {} : { timeLimitMs: a.timeLimitS * 1000 }),
      onProgress: (p) => {
        if (p.elapsedMs - lastMs < (io.isTty ? 200 : 5000)) return;
        lastMs = p.elapsedMs;
        if (io.isTty) io.progress?.(progressLine(p));
        else io.out(progressLine(p));
      },
    });
    if (io.isTty) io.progress?.('');
    // The progress display ends with the elapsed time, a line of its own: the report below has none.
    io.out(`${a.strategy} ${(result.elapsedMs / 1000).toFixed(1)}s done`);
    if (result.verdict === 'internal-error') {
      io.err(
        `mshv-control check: internal error: ${result.internalError ?? 'a violation did not reproduce'}`,
      );
      return 3;
    }
    summary(io, result);
    for (const line of coverageLines(result.coverage, ALL_INVARIANTS)) io.out(line);
    const cex = result.counterexample;
    if (cex === undefined) return 0;
    printCounterexample(io, cex);
    io.out(
      `shrunk from ${result.found?.path.length ?? '?'} steps in ${result.shrinkAttempts ?? 0} re-runs; replays: ${result.reproduced === true ? 'yes' : 'NO'}`,
    );
    if (result.shrinkExhausted === true)
      io.err(
        `note: shrinking stopped at its budget of ${SHRINK_ATTEMPTS_MAX} re-runs; the counterexample still breaks ${cex.invariant} but may not be minimal (a step or fault of it may be unnecessary)`,
      );
    try {
      await writeCounterexampleFiles(cex, a.out, io);
    } catch (e) {
      // The directory was writable before exploring; it may not be now (a full disk, a removed
      // directory). The counterexample is printed above: say so in one line, keep the verdict.
      const code = (e as NodeJS.ErrnoException).code;
      if (typeof code !== 'string') throw e;
      io.err(
        `mshv-control check: --out ${a.out}: the counterexample could not be saved in full (${(e as Error).message}); it is printed above`,
      );
    }
    return 1;
  },
};
