import { runScenario } from '../../runner/runScenario.js';
import { SimWorld } from '../../runner/SimWorld.js';
import { describeFailure } from '../../runner/StepOutcome.js';
import { TraceRecorder } from '../../runner/TraceRecorder.js';
import { CliError } from '../CliError.js';
import type { Command } from '../Command.js';
import { loadScenarioArg } from './loadScenarioArg.js';

const usage = `usage: mshv-control trace SCENARIO
Writes the run's ioctls and hypercalls as JSON Lines (docs/scenario-format.md, "Trace").
The same scenario and seed always print the same bytes. Exit 1 when a step missed its expect.`;

export const traceCommand: Command = {
  name: 'trace',
  summary: 'print every ioctl and hypercall of a scenario run as JSON Lines',
  usage,
  async run(args, io) {
    const option = args.find((a) => a.startsWith('-'));
    if (option !== undefined) throw new CliError(`unknown option '${option}'\n${usage}`);
    const [file, ...extra] = args;
    if (extra.length > 0) throw new CliError(`unexpected argument '${extra[0] ?? ''}'\n${usage}`);
    const scenario = await loadScenarioArg(file, usage);
    const trace = new TraceRecorder();
    const world = new SimWorld(scenario, trace);
    let report;
    try {
      report = runScenario(scenario, world, trace);
    } finally {
      // Every record up to where the run stopped, even when a broken invariant throws out of it.
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
