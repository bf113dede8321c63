import { CountingRecorder } from '../../pipeline/HypercallRecorder.js';
import { runScenario } from '../../runner/runScenario.js';
import { SimWorld } from '../../runner/SimWorld.js';
import { describeFailure, stepMet } from '../../runner/StepOutcome.js';
import { CliError } from '../CliError.js';
import type { Command } from '../Command.js';
import { loadScenarioArg } from './loadScenarioArg.js';

const usage = `usage: mshv-control run SCENARIO
Runs a scenario on the simulated hypervisor and prints a summary. Exit 0 when every step met its
expect, 1 at the first step that did not (naming it), 2 on a bad scenario.`;

export const runCommand: Command = {
  name: 'run',
  summary: 'run a scenario on the simulated hypervisor and check every expect',
  usage,
  async run(args, io) {
    const [file, ...extra] = args;
    if (extra.length > 0) throw new CliError(`unexpected argument '${extra[0] ?? ''}'\n${usage}`);
    const scenario = await loadScenarioArg(file, usage);
    const recorder = new CountingRecorder();
    const world = new SimWorld(scenario, recorder);
    for (const line of world.describe()) io.out(line);
    const report = runScenario(scenario, world, undefined);
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
    if (report.failed !== undefined) {
      const f = report.failed;
      io.err(describeFailure(f));
      return 1;
    }
    return 0;
  },
};
