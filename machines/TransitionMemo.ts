import type { AnyStateMachine, EventFromLogic, InputFrom, SnapshotFrom } from 'xstate';
import { type PureStep, pureStart, pureStep } from './pureStep.js';

/** A step as the memo keeps it: the next snapshot and a frozen list of what the step emitted. */
interface Entry {
  readonly snapshot: unknown;
  readonly emitted: readonly unknown[];
}

/** One machine definition's steps: by snapshot object, then by event key; and its starts by input key. */
interface MachineTable {
  steps: WeakMap<object, Map<string, Entry>>;
  starts: Map<string, Entry>;
}

/**
 * The exact key of a plain JSON-like value (what lifecycle events and machine inputs are made of),
 * or null for anything else (a bigint, a byte array, a class instance, a cycle too deep): such a
 * value is stepped without the memo. `undefined` is kept apart from an absent property, and a key
 * never collides with a different value: strings are length-prefixed, objects list their keys in
 * order.
 */
function keyOf(value: unknown, depth = 0): string | null {
  if (depth > 8) return null;
  switch (typeof value) {
    case 'string':
      return stringKey(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'boolean':
      return value ? 't' : 'f';
    case 'undefined':
      return 'u';
    case 'object': {
      if (value === null) return 'n';
      if (Array.isArray(value)) {
        let s = '[';
        for (const v of value) {
          const k = keyOf(v, depth + 1);
          if (k === null) return null;
          s += `${k},`;
        }
        return `${s}]`;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return null;
      let s = '{';
      const obj = value as Readonly<Record<string, unknown>>;
      for (const name of Object.keys(obj)) {
        const k = keyOf(obj[name], depth + 1);
        if (k === null) return null;
        s += `${stringKey(name)}${k},`;
      }
      return `${s}}`;
    }
    default:
      return null;
  }
}

/**
 * A string as a key token: a quote, its length, a colon, the text. The length delimits it, so no
 * escaping is needed and no text can run into the token after it (half the cost of JSON.stringify).
 */
function stringKey(s: string): string {
  return `"${s.length}:${s}`;
}

/**
 * A bounded cache of pure machine steps: the same definition, the same snapshot object and an equal
 * event give the same next snapshot and the same emitted list, so a step seen once is answered from
 * the table. Sound because the lifecycle machines are pure (their guards and assigns read only the
 * context and the event; machines import no adapter) and xstate snapshots are immutable values:
 * a step makes a new snapshot and never changes the one it came from. Snapshots reached through the
 * memo are shared, so identical partitions (40 booted the same way, or the model checker re-running
 * a path from its root) share one object per state and hit on every step after the first.
 *
 * Keys are snapshot objects (held weakly) and an exact event key; an event that is not plain JSON is
 * stepped without the memo. The table holds at most `capacity` steps per memo and is dropped whole
 * when full (it only ever saves work). Emitted lists are frozen, since every caller now shares them.
 *
 * @example
 * const memo = new TransitionMemo();
 * const s0 = memo.start(partitionMachine, { scheduler: 'hv' });
 * const s1 = memo.step(partitionMachine, s0.snapshot, { type: 'INITIALIZE' }); // computed
 * memo.step(partitionMachine, s0.snapshot, { type: 'INITIALIZE' }) === s1;   // answered
 */
export class TransitionMemo {
  /**
   * Steps a memo keeps before it drops its table. Small by default: a live plane's memo must not
   * hold every snapshot its partitions ever passed through (a VMM's regions and addresses make most
   * of them unique); a model checker, whose re-runs repeat the same paths, passes a larger one.
   */
  static readonly CAPACITY_DEFAULT = 4096;
  #tables = new Map<AnyStateMachine, MachineTable>();
  #size = 0;
  #hits = 0;
  #misses = 0;

  constructor(readonly capacity: number = TransitionMemo.CAPACITY_DEFAULT) {
    if (!Number.isSafeInteger(capacity) || capacity < 0)
      throw new RangeError(`TransitionMemo.capacity: ${capacity} is not a non-negative integer`);
  }

  /** Steps answered from the table and steps computed, since the memo was made. */
  get stats(): { readonly hits: number; readonly misses: number; readonly size: number } {
    return { hits: this.#hits, misses: this.#misses, size: this.#size };
  }

  /**
   * Drop the table now, as a full table is dropped (the snapshots and emitted lists it handed out stay
   * valid: they are values). For a caller that measures its own memory, or wants it back.
   */
  clear(): void {
    this.#tables = new Map();
    this.#size = 0;
  }

  /** `pureStart(machine, input)`, from the table when this input was started before. */
  start<M extends AnyStateMachine, E = unknown>(machine: M, input: InputFrom<M>): PureStep<M, E> {
    const key = keyOf(input);
    if (key === null || this.capacity === 0) return pureStart<M, E>(machine, input);
    const hit = this.#tables.get(machine)?.starts.get(key);
    if (hit !== undefined) return this.#hit(hit);
    const step = pureStart<M, E>(machine, input);
    const entry = this.#entry(step);
    this.#table(machine).starts.set(key, entry);
    return step;
  }

  /** `pureStep(machine, snapshot, event)`, from the table when this step was taken before. */
  step<M extends AnyStateMachine, E = unknown>(
    machine: M,
    snapshot: SnapshotFrom<M>,
    event: EventFromLogic<M>,
  ): PureStep<M, E> {
    const key = keyOf(event);
    if (key === null || this.capacity === 0) return pureStep<M, E>(machine, snapshot, event);
    const hit = this.#tables.get(machine)?.steps.get(snapshot)?.get(key);
    if (hit !== undefined) return this.#hit(hit);
    const step = pureStep<M, E>(machine, snapshot, event);
    const entry = this.#entry(step);
    const steps = this.#table(machine).steps;
    let byEvent = steps.get(snapshot);
    if (byEvent === undefined) {
      byEvent = new Map();
      steps.set(snapshot, byEvent);
    }
    byEvent.set(key, entry);
    return step;
  }

  #table(machine: AnyStateMachine): MachineTable {
    let t = this.#tables.get(machine);
    if (t === undefined) {
      t = { steps: new WeakMap(), starts: new Map() };
      this.#tables.set(machine, t);
    }
    return t;
  }

  #hit<M extends AnyStateMachine, E>(entry: Entry): PureStep<M, E> {
    this.#hits += 1;
    return entry as unknown as PureStep<M, E>;
  }

  /** Freeze a computed step's emitted list and count it in; drop the whole table when full. */
  #entry(step: { readonly snapshot: unknown; readonly emitted: readonly unknown[] }): Entry {
    this.#misses += 1;
    if (this.#size >= this.capacity) this.clear();
    this.#size += 1;
    Object.freeze(step.emitted);
    return step;
  }
}
