import type { JsonObject } from '../log/JsonValue.js';
import type { LogRecord } from '../log/LogRecord.js';
import { LogWriter } from '../log/LogWriter.js';
import type { RecordSink } from '../runtime/RecordSink.js';
import { SinkRecorder } from '../runtime/SinkRecorder.js';
import type { CheckVariant } from './CheckVariant.js';
import { CheckWorld } from './CheckWorld.js';
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
 * The log header's `meta` of a counterexample log: `world` is the world in scenario JSON (seed,
 * hypervisor with scheduler, repTimeSlice and the planned faults, hostMemory), which is everything
 * a replay needs to rebuild the simulated machine; `check` says what was found (invariant, message,
 * model, the planted variant's name or null, random fault rates if the world needs them, and
 * whether the VMM process died after the last intent: then `recover` must run at the end).
 *
 * @example
 * counterexampleMeta(cex).world; // { seed: 1, hypervisor: { ... }, hostMemory: [ ... ] }
 */
export function counterexampleMeta(cex: Counterexample): JsonObject {
  return {
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
 * carries the world (`counterexampleMeta`), the records are exactly what the ControlPlane writes for
 * its intents (intent, transition, operation, hypercall with its bytes, result), one commit per
 * operation. The run that writes it is observed, and the violation it reproduces is returned (the
 * log is only written when the intents do reproduce something). A crash is performed after the
 * last intent without logging its teardown: that is `recover`'s to do.
 *
 * @example
 * writeCounterexampleLog(cex, '/tmp/cex.log'); // { invariant: 'windows', ... }
 */
export function writeCounterexampleLog(
  cex: Counterexample,
  file: string,
  variant?: CheckVariant,
): Violation | undefined {
  const writer = LogWriter.create(
    file,
    {
      seed: cex.world.seed,
      productVersion: PRODUCT_VERSION,
      createdBy: 'mshv-control check',
      meta: counterexampleMeta(cex),
    },
    { durability: 'normal' },
  );
  try {
    const gate = new GateSink(writer);
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
    return violation;
  } finally {
    writer.close();
  }
}
