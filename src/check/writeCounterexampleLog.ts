import type { JsonObject } from '../log/JsonValue.js';
import { LogWriter } from '../log/LogWriter.js';
import type { FaultPlanEntry } from '../scenario/Scenario.js';
import { runMetaJson } from '../replay/RunMeta.js';
import { MemorySink } from '../runtime/RecordSink.js';
import type { CheckVariant } from './CheckVariant.js';
import { CheckWorld, armedRunMeta } from './CheckWorld.js';
import { type Counterexample, replaySteps, worldJson } from './Counterexample.js';
import type { Violation } from './invariants/Invariant.js';
import { PRODUCT_VERSION } from './productVersion.js';

/**
 * The log header's `meta` of a counterexample log: `run` is the run meta replay and recover read
 * (vocabulary `control-plane`; the world with every fault the path armed, resolved to absolute call
 * counts, so the replay's simulated hypervisor answers as the run's did; the random fault rates; the
 * VMM; no snapshots); `world` is the model's world in scenario JSON (seed, hypervisor with
 * scheduler, repTimeSlice and the planned faults, hostMemory, vmm); `check` says what was found
 * (invariant, message, model, the planted variant's name or null, random fault rates if the world
 * needs them, whether the VMM process died after the last intent: then `recover` must run at the
 * end, and the intents in order). `meta.world` and `meta.check` together are the counterexample:
 * `mshv-control replay` rebuilds it from them to re-judge the violation (`counterexampleOfLog`).
 *
 * @example
 * counterexampleMeta(cex, armed).world; // { seed: 1, hypervisor: { ... }, hostMemory: [ ... ] }
 */
export function counterexampleMeta(cex: Counterexample, armed: readonly FaultPlanEntry[] = []): JsonObject {
  const run = armedRunMeta(cex.world, armed, cex.randomFaults ?? undefined);
  return {
    ...runMetaJson(run),
    world: worldJson(cex.world),
    check: {
      invariant: cex.invariant,
      message: cex.message,
      model: cex.model,
      variant: cex.variant,
      crash: cex.crash,
      ...(cex.crashAfterOperations === undefined ? {} : { crashAfterOperations: cex.crashAfterOperations }),
      ...(cex.randomFaults === null ? {} : { randomFaults: cex.randomFaults as JsonObject }),
      intents: cex.intents.map((i) => ({ name: i.name, args: i.args })),
    },
  };
}

/**
 * Write a counterexample as an event log (src/log) that `mshv-control replay` re-runs: the header
 * carries the run meta and the world (`counterexampleMeta`), the records are exactly what the
 * ControlPlane writes for its intents (intent, transition, operation, hypercall with its bytes,
 * result), one commit per operation. The run is performed first (observed, in memory), then the log
 * is written with the faults it armed in its header, whatever the run showed. The first violation
 * of the run is returned, undefined when none broke: the caller compares its invariant with the
 * counterexample's (`mshv-control check` warns when they differ). A crash is performed after the
 * last intent without logging its teardown, and the log is left without its end marker, as a dead
 * process leaves it: that is `recover`'s to do. A planted variant's log
 * replays with that variant's machines, driver stages and VMM hooks.
 *
 * @example
 * writeCounterexampleLog(cex, '/tmp/cex.log'); // { invariant: 'windows', ... }
 */
export function writeCounterexampleLog(
  cex: Counterexample,
  file: string,
  variant?: CheckVariant,
): Violation | undefined {
  // The log file gets what was committed, a transaction per commit, as the process's writer would.
  const memory = new MemorySink();
  const world = new CheckWorld({
    world: cex.world,
    variant,
    randomFaults: cex.randomFaults ?? undefined,
    log: memory,
  });
  world.observing = true;
  let violation: Violation | undefined;
  const steps = replaySteps(cex);
  const crash = steps.at(-1)?.kind === 'crash' ? steps.pop() : undefined;
  for (const step of steps) violation ??= world.run(step).violation;
  memory.commit();
  // Nothing after the crash's last commit reaches the log: neither the end of an intent it dies in
  // nor the hypercalls of the kernel's teardown (nothing commits them).
  if (crash !== undefined) violation ??= world.run(crash).violation;
  const writer = LogWriter.create(
    file,
    {
      seed: cex.world.seed,
      productVersion: PRODUCT_VERSION,
      createdBy: 'mshv-control check',
      meta: counterexampleMeta(cex, world.armed),
    },
    { durability: 'normal' },
  );
  try {
    let from = 0;
    for (const upTo of memory.commits) {
      for (const r of memory.records.slice(from, upTo)) writer.append(r);
      writer.commit();
      from = upTo;
    }
  } finally {
    // A process that died never closed its log: replay stops at its last commit, recover tears down.
    writer.close(crash === undefined ? {} : { endMarker: false });
  }
  return violation;
}
