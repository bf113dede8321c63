import { runScenario } from '../../runner/runScenario.js';
import { SimWorld } from '../../runner/SimWorld.js';
import { describeFailure } from '../../runner/StepOutcome.js';
import { TraceRecorder } from '../../runner/TraceRecorder.js';
import { CliError } from '../CliError.js';
import type { Command } from '../Command.js';
import { parseOptions } from '../parseOptions.js';
import { loadScenarioArg } from './loadScenarioArg.js';

const usage = `usage: mshv-control trace SCENARIO
Writes the run's ioctls and hypercalls as JSON Lines (docs/scenario-format.md, "Trace").
The same scenario and seed always print the same bytes. A run stops at the first step that fails
(docs/scenario-format.md, "How a run ends"); every record up to there is written.
Exit codes: 0 every step met its expect, 1 the first step that did not (named on stderr), 2 a bad
scenario (or a check model: run it with 'check') or usage, 3 internal error (a fault of
mshv-control itself: one line, no stack trace).`;

export const traceCommand: Command = {
  name: 'trace',
  summary: 'print every ioctl and hypercall of a scenario run as JSON Lines',
  usage,
  async run(args, io) {
    const [file, ...extra] = parseOptions(args, {}, usage).operands;
    if (extra.length > 0) throw new CliError(`unexpected argument '${extra[0] ?? ''}'\n${usage}`);
    const scenario = await loadScenarioArg(file, usage);
    const trace = new TraceRecorder();
    const world = new SimWorld(scenario, trace);
    let report;
    try {
      report = runScenario(scenario, world, trace);
    } finally {
      // Every record up to where the run stopped, even when an internal error throws out of it.
      for (const line of trace.lines()) io.out(line);
    }
    if (report.failed !== undefined) {
      const f = report.failed;
      io.err(describeFailure(f));
      return 1;
    }
    return 0;
  },
};
