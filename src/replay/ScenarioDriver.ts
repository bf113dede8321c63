import type { JsonValue } from '../log/JsonValue.js';
import type { IntentRecord } from '../log/LogRecord.js';
import type { RecordSink } from '../runtime/RecordSink.js';
import { ScenarioStepper, type StepperState } from '../runner/ScenarioStepper.js';
import type { SimWorld } from '../runner/SimWorld.js';
import { loadStep } from '../scenario/loadScenario.js';
import { ScenarioError } from '../scenario/ScenarioError.js';
import type { IntentDriver, RuntimeFds } from './IntentDriver.js';
import { ScenarioLogObserver, STEP_INTENT } from './ScenarioLogObserver.js';

/**
 * The scenario runner as an IntentDriver: each `step` intent is loaded back into a step and run,
 * with its records going to `sink` through a ScenarioLogObserver, as `run --log` wrote them.
 *
 * @example
 * const driver = new ScenarioDriver(world, sink);
 * driver.apply(intent); // null when the step ran
 */
export class ScenarioDriver implements IntentDriver {
  readonly vocabulary = 'scenario';
  readonly stepper: ScenarioStepper;

  constructor(
    readonly world: SimWorld,
    sink: RecordSink,
    state?: StepperState,
  ) {
    this.stepper = new ScenarioStepper(world, { observer: new ScenarioLogObserver(sink) }, state);
  }

  apply(intent: IntentRecord): string | null {
    if (intent.name !== STEP_INTENT)
      return `intent '${intent.name}' is not a scenario step ('${STEP_INTENT}')`;
    const args = intent.args;
    if (args === null || typeof args !== 'object' || Array.isArray(args))
      return 'intent.args: expected an object';
    const { index, step } = args as { readonly index?: JsonValue; readonly step?: JsonValue };
    if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0)
      return 'intent.args.index: expected a step index';
    try {
      this.stepper.run(index, loadStep(step, 'intent.args.step', null));
    } catch (e) {
      if (e instanceof ScenarioError) return e.message;
      throw e;
    }
    return null;
  }

  saveState(): JsonValue {
    return this.stepper.saveState();
  }

  fds(): RuntimeFds {
    const { partitions, vps, eventfds } = this.stepper.fds;
    return {
      partitions: [...partitions].map(([name, fd]) => ({ name, fd, state: null })),
      vps: [...vps].map(([key, fd]) => {
        const slash = key.lastIndexOf('/');
        return {
          partition: key.slice(0, slash),
          index: Number(key.slice(slash + 1)),
          fd,
          state: null,
          runPending: false,
        };
      }),
      eventfds: [...eventfds.values()].sort((a, b) => a - b),
    };
  }
}

/**
 * Read a scenario runner's saved state (a snapshot record's `runtime`), or say what is wrong with it.
 *
 * @example
 * const r = readStepperState(json);
 */
export function readStepperState(
  json: JsonValue,
): { readonly ok: true; readonly value: StepperState } | { readonly ok: false; readonly error: string } {
  const bad = (why: string) => ({ ok: false as const, error: `runtime: ${why}` });
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return bad('expected an object');
  const o = json as Readonly<Record<string, JsonValue>>;
  const pairs = <K>(v: JsonValue | undefined, key: (x: unknown) => x is K) => {
    if (!Array.isArray(v)) return null;
    const out: (readonly [K, number])[] = [];
    for (const p of v as readonly JsonValue[]) {
      if (!Array.isArray(p) || p.length !== 2) return null;
      const [k, fd] = p as readonly JsonValue[];
      if (!key(k) || typeof fd !== 'number' || !Number.isSafeInteger(fd)) return null;
      out.push([k, fd]);
    }
    return out;
  };
  const isString = (x: unknown): x is string => typeof x === 'string';
  const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x);
  const partitions = pairs(o.partitions, isString);
  if (partitions === null) return bad('partitions: expected [name, fd] pairs');
  const vps = pairs(o.vps, isString);
  if (vps === null) return bad('vps: expected [partition/vp, fd] pairs');
  const eventfds = pairs(o.eventfds, isInt);
  if (eventfds === null) return bad('eventfds: expected [number, fd] pairs');
  if (!isInt(o.operations) || o.operations < 0) return bad('operations: expected a count');
  return { ok: true, value: { partitions, vps, eventfds, operations: o.operations } };
}
