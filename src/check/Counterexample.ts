import { errorText } from './errorText.js';
import type { RandomFaultRates } from '../../adapters/simulated/faults/FaultPlan.js';
import { hvStatusName } from '../hv/HvStatus.js';
import type { JsonObject, JsonValue } from '../log/JsonValue.js';
import type { HypercallEvent, HypercallRecorder } from '../pipeline/HypercallRecorder.js';
import type { Intent } from '../runtime/applyIntent.js';
import type { RequestOutcome } from '../runtime/RequestOutcome.js';
import { hostMemoryCodec } from '../scenario/hostMemoryCodec.js';
import { hypervisorCodec } from '../scenario/hypervisorCodec.js';
import { vmmCodec } from '../scenario/vmmCodec.js';
import { expectObject } from '../scenario/objectCodec.js';
import { parseNumber } from '../scenario/parseNumber.js';
import { ScenarioError } from '../scenario/ScenarioError.js';
import type { CheckWorldSpec } from './CheckModel.js';
import type { CheckVariant } from './CheckVariant.js';
import { CheckWorld } from './CheckWorld.js';
import type { Violation } from './invariants/Invariant.js';
import { describeStep, type Step } from './Step.js';

/** The `format` of a counterexample file. */
export const COUNTEREXAMPLE_FORMAT = 'mshv-control-check-counterexample';
/** Its version. */
export const COUNTEREXAMPLE_VERSION = 1;

/**
 * A minimal violating run, in the form replay takes: the world (the model's seed, scheduler, host
 * memory and every fault the path armed, as planned faults with absolute call counts), the
 * ControlPlane intents in order, and whether the VMM process dies after the last one (every fd
 * closed by the kernel; replay's `recover` does the same). `steps` keeps the path as explored
 * (armed faults as steps) and `trace` the decoded run.
 */
export interface Counterexample {
  readonly invariant: string;
  readonly message: string;
  /** The planted variant it was found on, or null for the shipped stack. */
  readonly variant: string | null;
  readonly model: string;
  readonly world: CheckWorldSpec;
  readonly randomFaults: RandomFaultRates | null;
  readonly intents: readonly Intent[];
  readonly crash: boolean;
  /**
   * The VMM died inside its last intent, once this many of its operations had completed in the
   * kernel (the log has none of that intent past its last commit); undefined: it died between intents
   * or not at all.
   */
  readonly crashAfterOperations?: number;
  readonly steps: readonly Step[];
  readonly trace: readonly string[];
}

/** A hypercall recorder that keeps name and status of every call, for traces. */
class TraceRecorder implements HypercallRecorder {
  readonly wantsBytes = false;
  readonly calls: string[] = [];

  record(e: HypercallEvent): void {
    this.calls.push(`${e.name} ${hvStatusName(e.result)}`);
  }
}

function outcomeLine(o: RequestOutcome | undefined, error: unknown): string {
  if (error !== undefined) return `threw: ${errorText(error)}`;
  if (o === undefined) return 'ok';
  switch (o.status) {
    case 'done':
      return 'done';
    case 'pending':
      return `pending (ticket ${o.ticket})`;
    case 'rejected':
      return `rejected ${o.errno} (${o.rule})`;
    case 'failed':
      return `failed ${o.error.errnoName}${o.error.hvStatusName === undefined ? '' : ` (${o.error.hypercall ?? '?'}: ${o.error.hvStatusName})`}`;
  }
}

/** Consecutive equal calls folded: `MAP_GPA_PAGES SUCCESS ×3`. */
function fold(calls: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < calls.length;) {
    let j = i;
    while (j < calls.length && calls[j] === calls[i]) j++;
    out.push(j - i > 1 ? `${calls[i] ?? ''} ×${j - i}` : (calls[i] ?? ''));
    i = j;
  }
  return out;
}

/**
 * Build the counterexample of a shrunk path: run it once more observed, writing the decoded trace
 * (each step, its outcome, the hypercalls it issued) and resolving the faults it armed.
 *
 * @example
 * const cex = buildCounterexample(model.world, 'default', null, shrunk.path, shrunk.randomFaults);
 */
export function buildCounterexample(
  spec: CheckWorldSpec,
  modelName: string,
  variant: CheckVariant | undefined,
  path: readonly Step[],
  randomFaults: RandomFaultRates | undefined,
): Counterexample {
  const recorder = new TraceRecorder();
  const world = new CheckWorld({ world: spec, variant, randomFaults, recorder });
  world.observing = true;
  const trace: string[] = [];
  let violation: Violation | undefined;
  for (const [i, step] of path.entries()) {
    const from = recorder.calls.length;
    const r = world.run(step);
    trace.push(`${i + 1}. ${describeStep(step)} → ${outcomeLine(r.outcome, r.error)}`);
    for (const c of fold(recorder.calls.slice(from))) trace.push(`     ${c}`);
    if (r.violation !== undefined) {
      violation = r.violation;
      trace.push(`   VIOLATED ${r.violation.invariant}: ${r.violation.message}`);
      break;
    }
  }
  if (violation === undefined)
    throw new Error('buildCounterexample: the path does not violate any invariant');
  const intents: Intent[] = path
    .filter((s): s is Extract<Step, { kind: 'intent' }> => s.kind === 'intent')
    .map((s) => ({ name: s.name, args: s.args }));
  const last = path.at(-1);
  const inside = last?.kind === 'crash' ? last.inside : undefined;
  if (inside !== undefined) intents.push(inside.intent);
  return {
    invariant: violation.invariant,
    message: violation.message,
    variant: variant?.name ?? null,
    model: modelName,
    world: {
      ...spec,
      hypervisor: { ...spec.hypervisor, faults: [...spec.hypervisor.faults, ...world.armed] },
    },
    randomFaults: randomFaults === undefined || Object.keys(randomFaults).length === 0 ? null : randomFaults,
    intents,
    crash: last?.kind === 'crash',
    ...(inside === undefined ? {} : { crashAfterOperations: inside.afterOperations }),
    steps: path,
    trace,
  };
}

/**
 * Run a counterexample the way replay does (a world built with its faults, its intents in order,
 * then the crash if any) and return the first violation: the proof that the file reproduces.
 *
 * @example
 * reproduce(cex)?.invariant; // 'windows'
 */
export function reproduce(cex: Counterexample, variant?: CheckVariant): Violation | undefined {
  const world = new CheckWorld({
    world: cex.world,
    variant,
    randomFaults: cex.randomFaults ?? undefined,
  });
  world.observing = true;
  const steps = replaySteps(cex);
  for (const step of steps) {
    const r = world.run(step);
    if (r.violation !== undefined) return r.violation;
  }
  return undefined;
}

/**
 * The steps a counterexample's replay form stands for: its intents in order, then the crash (inside
 * the last intent when `crashAfterOperations` is set).
 *
 * @example
 * replaySteps(cex).at(-1); // { kind: 'crash' }
 */
export function replaySteps(cex: Counterexample): Step[] {
  const k = cex.crashAfterOperations;
  const before = k === undefined ? cex.intents : cex.intents.slice(0, -1);
  const steps: Step[] = before.map((i) => ({ kind: 'intent' as const, ...i }));
  const last = cex.intents.at(-1);
  if (k !== undefined && last !== undefined)
    steps.push({ kind: 'crash', inside: { intent: last, afterOperations: k } });
  else if (cex.crash) steps.push({ kind: 'crash' });
  return steps;
}

/** The world as scenario JSON (the `world` of a counterexample file and of a log header's meta). */
export function worldJson(spec: CheckWorldSpec): JsonObject {
  return {
    seed: spec.seed,
    hypervisor: hypervisorCodec.write(spec.hypervisor),
    hostMemory: hostMemoryCodec.write(spec.hostMemory),
    ...(spec.vmm === undefined ? {} : { vmm: vmmCodec.write(spec.vmm) }),
  };
}

/** The world from its JSON (`worldJson`'s inverse), errors naming the path. */
export function worldFromJson(json: unknown, path: string): CheckWorldSpec {
  const o = expectObject(json, path, 'a world');
  if (typeof o.seed !== 'number' || !Number.isInteger(o.seed))
    throw new ScenarioError(`${path}.seed`, 'type', 'expected an integer seed');
  return {
    seed: o.seed,
    hypervisor: hypervisorCodec.read(o.hypervisor ?? {}, `${path}.hypervisor`),
    hostMemory: hostMemoryCodec.read(o.hostMemory ?? [], `${path}.hostMemory`),
    ...(o.vmm === undefined ? {} : { vmm: vmmCodec.read(o.vmm, `${path}.vmm`) }),
  };
}

/**
 * A counterexample as the JSON of its file (docs/guide/check.md, "Counterexample files").
 *
 * @example
 * JSON.stringify(counterexampleJson(cex), null, 2);
 */
export function counterexampleJson(cex: Counterexample): JsonObject {
  return {
    format: COUNTEREXAMPLE_FORMAT,
    version: COUNTEREXAMPLE_VERSION,
    invariant: cex.invariant,
    message: cex.message,
    variant: cex.variant,
    model: cex.model,
    world: worldJson(cex.world),
    ...(cex.randomFaults === null ? {} : { randomFaults: cex.randomFaults as JsonObject }),
    intents: cex.intents.map((i) => ({ name: i.name, args: i.args })),
    crash: cex.crash,
    ...(cex.crashAfterOperations === undefined ? {} : { crashAfterOperations: cex.crashAfterOperations }),
    steps: cex.steps.map(stepJson),
    trace: [...cex.trace],
  };
}

/** Whether parsed JSON is a counterexample file (by its `format`). */
export function isCounterexampleJson(json: unknown): boolean {
  return (
    typeof json === 'object' &&
    json !== null &&
    (json as { format?: unknown }).format === COUNTEREXAMPLE_FORMAT
  );
}

/**
 * A counterexample from its file's JSON. Throws a ScenarioError naming the path.
 *
 * @example
 * counterexampleFromJson(JSON.parse(text)).intents.length; // 4
 */
export function counterexampleFromJson(json: unknown): Counterexample {
  const o = expectObject(json, '$', 'a counterexample');
  if (o.format !== COUNTEREXAMPLE_FORMAT)
    throw new ScenarioError('$.format', 'format', `expected "${COUNTEREXAMPLE_FORMAT}"`);
  if (o.version !== COUNTEREXAMPLE_VERSION)
    throw new ScenarioError('$.version', 'format', `expected version ${COUNTEREXAMPLE_VERSION}`);
  const text = (k: string): string => {
    const v = o[k];
    if (typeof v !== 'string') throw new ScenarioError(`$.${k}`, 'type', 'expected a string');
    return v;
  };
  if (!Array.isArray(o.intents)) throw new ScenarioError('$.intents', 'type', 'expected a list of intents');
  const intents = (o.intents as unknown[]).map((v, i) => {
    const e = expectObject(v, `$.intents[${i}]`, 'an intent');
    if (typeof e.name !== 'string')
      throw new ScenarioError(`$.intents[${i}].name`, 'type', 'expected a string');
    return { name: e.name, args: (e.args ?? null) as JsonValue };
  });
  const rates = o.randomFaults;
  return {
    invariant: text('invariant'),
    message: text('message'),
    variant: typeof o.variant === 'string' ? o.variant : null,
    model: text('model'),
    world: worldFromJson(o.world, '$.world'),
    randomFaults:
      rates === undefined || rates === null
        ? null
        : (expectObject(rates, '$.randomFaults', 'rates') as RandomFaultRates),
    intents,
    crash: o.crash === true,
    ...crashInsideFromJson(o, intents.length),
    steps: Array.isArray(o.steps)
      ? (o.steps as JsonValue[]).map((s, i) => stepFromJson(s, `$.steps[${i}]`))
      : [],
    trace: Array.isArray(o.trace) ? (o.trace as unknown[]).map(String) : [],
  };
}

/** A step as JSON: a late completion's delay (a bigint) as a decimal string. */
function stepJson(step: Step): JsonValue {
  if (step.kind !== 'fault' || step.completionDelayNs === undefined) return step as unknown as JsonValue;
  return { ...step, completionDelayNs: step.completionDelayNs.toString() };
}

/** `crashAfterOperations` of a counterexample file: a count from 1, with a crash and an intent to die in. */
function crashInsideFromJson(
  o: Readonly<Record<string, unknown>>,
  intents: number,
): { readonly crashAfterOperations?: number } {
  const k = o.crashAfterOperations;
  if (k === undefined) return {};
  if (typeof k !== 'number' || !Number.isSafeInteger(k) || k < 1)
    throw new ScenarioError('$.crashAfterOperations', 'type', 'expected an operation count from 1');
  if (o.crash !== true || intents === 0)
    throw new ScenarioError(
      '$.crashAfterOperations',
      'conflict',
      'a crash inside an intent needs "crash": true and an intent to die in',
    );
  return { crashAfterOperations: k };
}

/** A step read back from `stepJson` (the file's steps are a record; the world and intents replay). */
function stepFromJson(json: JsonValue, path: string): Step {
  const s = json as unknown as Step;
  if (s.kind !== 'fault' || s.completionDelayNs === undefined) return s;
  return { ...s, completionDelayNs: parseNumber(s.completionDelayNs, 'u64', `${path}.completionDelayNs`) };
}
