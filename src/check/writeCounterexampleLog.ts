import type { JsonObject } from '../log/JsonValue.js';
import type { LogRecord } from '../log/LogRecord.js';
import { LogWriter } from '../log/LogWriter.js';
import type { FaultPlanEntry } from '../scenario/Scenario.js';
import { planeRunMeta } from '../replay/openLoggedPlane.js';
import { runMetaJson } from '../replay/RunMeta.js';
import { MemorySink, type RecordSink } from '../runtime/RecordSink.js';
import { SinkRecorder } from '../runtime/SinkRecorder.js';
import type { CheckVariant } from './CheckVariant.js';
import { CheckWorld, worldScenario } from './CheckWorld.js';
import { type Counterexample, replaySteps, worldJson } from './Counterexample.js';
import type { Violation } from './invariants/Invariant.js';
import { PRODUCT_VERSION } from './productVersion.js';

/**
 * A sink that forwards what is committed until it is shut: appends wait for the next commit, as in
 * the log file's transactions, so a process that dies inside an intent leaves out what it appended
 * after its last commit; and the crash's teardown is recover's to log, not the run's.
 */
class GateSink implements RecordSink {
  #open = true;
  readonly #pending: LogRecord[] = [];

  constructor(readonly inner: RecordSink) {}

  append(record: LogRecord): void {
    if (this.#open) this.#pending.push(record);
  }

  commit(): void {
    if (!this.#open) return;
    for (const r of this.#pending.splice(0)) this.inner.append(r);
    this.inner.commit();
  }

  /** The process died: nothing more reaches the log, and what was not committed is lost. */
  shut(): void {
    this.#open = false;
    this.#pending.length = 0;
  }
}

/**
 * The log header's `meta` of a counterexample log: `run` is the run meta replay and recover read
 * (vocabulary `control-plane`; the world with every fault the path armed, resolved to absolute call
 * counts, so the replay's simulated hypervisor answers as the run's did; the random fault rates; the
 * VMM; no snapshots); `world` is the model's world in scenario JSON (seed, hypervisor with
 * scheduler, repTimeSlice and the planned faults, hostMemory, vmm); `check` says what was found
 * (invariant, message, model, the planted variant's name or null, random fault rates if the world
 * needs them, and whether the VMM process died after the last intent: then `recover` must run at
 * the end).
 *
 * @example
 * counterexampleMeta(cex, armed).world; // { seed: 1, hypervisor: { ... }, hostMemory: [ ... ] }
 */
export function counterexampleMeta(cex: Counterexample, armed: readonly FaultPlanEntry[] = []): JsonObject {
  const spec = cex.world;
  const run = planeRunMeta(
    worldScenario({
      ...spec,
      hypervisor: { ...spec.hypervisor, faults: [...spec.hypervisor.faults, ...armed] },
    }),
    {
      snapshotEvery: 0,
      ...(cex.randomFaults === null ? {} : { world: { randomFaults: cex.randomFaults } }),
      ...(spec.vmm === undefined ? {} : { vmm: spec.vmm }),
    },
  );
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
    },
  };
}

/**
 * Write a counterexample as an event log (src/log) that `mshv-control replay` re-runs: the header
 * carries the run meta and the world (`counterexampleMeta`), the records are exactly what the
 * ControlPlane writes for its intents (intent, transition, operation, hypercall with its bytes,
 * result), one commit per operation. The run is performed first (observed, in memory), then the log
 * is written with the faults it armed in its header; the violation it reproduces is returned (the
 * log is only written when the intents do reproduce something). A crash is performed after the
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
  const memory = new MemorySink();
  const gate = new GateSink(memory);
  const world = new CheckWorld({
    world: cex.world,
    variant,
    randomFaults: cex.randomFaults ?? undefined,
    sink: gate,
    recorder: new SinkRecorder(gate),
  });
  world.observing = true;
  let violation: Violation | undefined;
  const steps = replaySteps(cex);
  const crash = steps.at(-1)?.kind === 'crash' ? steps.pop() : undefined;
  for (const step of steps) violation ??= world.run(step).violation;
  gate.commit();
  // Nothing after the crash's last commit reaches the log: neither the end of an intent it dies in
  // nor the hypercalls of the kernel's teardown (nothing commits them).
  if (crash !== undefined) violation ??= world.run(crash).violation;
  gate.shut();
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
