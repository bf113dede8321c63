import { errorText } from './errorText.js';
import type { RandomFaultRates } from '../../adapters/simulated/faults/FaultPlan.js';
import { HypercallCode, type HypercallName } from '../hv/HypercallCode.js';
import { HvStatus, hvStatusByName, hvStatusName, HvStatusTable } from '../hv/HvStatus.js';
import type { JsonObject, JsonValue } from '../log/JsonValue.js';
import type { HypercallEvent, HypercallRecorder } from '../pipeline/HypercallRecorder.js';
import { INTENT_NAMES, type Intent } from '../runtime/applyIntent.js';
import type { RequestOutcome } from '../runtime/RequestOutcome.js';
import { bool, type Codec, int, list, oneOf, text, u64, unknownName } from '../scenario/Codec.js';
import { MIGRATE_DURING } from '../scenario/MigrateDuring.js';
import { guestExitCodec } from '../scenario/guestExitCodec.js';
import { hostMemoryCodec } from '../scenario/hostMemoryCodec.js';
import { kernelCodec } from '../scenario/kernelCodec.js';
import { hypervisorCodec, statusCodec } from '../scenario/hypervisorCodec.js';
import { childPath } from '../scenario/jsonPath.js';
import { vmmCodec } from '../scenario/vmmCodec.js';
import {
  checkFields,
  expectObject,
  type LooseSpec,
  optional,
  readFields,
  required,
  type SpecFor,
} from '../scenario/objectCodec.js';
import { describeJson } from '../scenario/parseNumber.js';
import { ScenarioError } from '../scenario/ScenarioError.js';
import type { CheckWorldSpec, FaultChoice } from './CheckModel.js';
import type { CheckVariant } from './CheckVariant.js';
import { CheckWorld } from './CheckWorld.js';
import { ALL_INVARIANTS } from './invariants/index.js';
import type { Violation } from './invariants/Invariant.js';
import { checkWorldCodec, lostSignalsCodec, probability } from './loadCheckModel.js';
import { jsonInt, jsonObjectCodec, jsonU64, requestCodecFor } from './requestCodec.js';
import { describeStep, type InsideCrash, type Step } from './Step.js';

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
 * then the crash if any) and return the first violation, whichever invariant it is: the file
 * reproduces when that is its own invariant (`reproduction` says which).
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
 * What re-running a counterexample shows: its own invariant breaks (`reproduces`), another one
 * breaks first (`other`), or none does (`clean`).
 */
export type Reproduction =
  { readonly verdict: 'reproduces' | 'other'; readonly violation: Violation } | { readonly verdict: 'clean' };

/**
 * Re-run a counterexample (`reproduce`) and compare the first violation with the invariant the file
 * records: a file reproduces only when that same invariant breaks.
 *
 * @example
 * const r = reproduction(cex);
 * if (r.verdict === 'other') console.log(`broke ${r.violation.invariant}, not ${cex.invariant}`);
 */
export function reproduction(cex: Counterexample, variant?: CheckVariant): Reproduction {
  const violation = reproduce(cex, variant);
  if (violation === undefined) return { verdict: 'clean' };
  return { verdict: violation.invariant === cex.invariant ? 'reproduces' : 'other', violation };
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

/**
 * The world as scenario JSON (the `world` of a counterexample file and of a log header's meta).
 *
 * @example
 * worldJson(worldFromJson({ seed: 2, hostMemory: [] }, '$.world'));
 * // { seed: 2, hypervisor: {}, hostMemory: [] }: defaults are left out
 */
export function worldJson(spec: CheckWorldSpec): JsonObject {
  return {
    seed: spec.seed,
    hypervisor: hypervisorCodec.write(spec.hypervisor),
    ...(spec.kernel === undefined ? {} : { kernel: kernelCodec.write(spec.kernel) }),
    hostMemory: hostMemoryCodec.write(spec.hostMemory),
    ...(spec.vmm === undefined ? {} : { vmm: vmmCodec.write(spec.vmm) }),
    ...(spec.lostSignals === undefined ? {} : { lostSignals: lostSignalsCodec.write(spec.lostSignals) }),
  };
}

/**
 * The world from its JSON (`worldJson`'s inverse): the check model's world rules (a u32 seed, no
 * unknown member), errors naming the path.
 *
 * @example
 * worldFromJson({ seed: 2, hostMemory: [] }, '$.world').seed; // 2
 */
export function worldFromJson(json: unknown, path: string): CheckWorldSpec {
  return checkWorldCodec.read(json, path);
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

/**
 * Whether parsed JSON is a counterexample file (by its `format`).
 *
 * @example
 * isCounterexampleJson({ format: 'mshv-control-check-counterexample' }); // true
 */
export function isCounterexampleJson(json: unknown): boolean {
  return (
    typeof json === 'object' &&
    json !== null &&
    (json as { format?: unknown }).format === COUNTEREXAMPLE_FORMAT
  );
}

/** Every member of a counterexample file but `format` and `version`, as read. */
interface CounterexampleFields {
  readonly invariant: string;
  readonly message: string;
  readonly variant: string | null;
  readonly model: string;
  readonly world: CheckWorldSpec;
  readonly randomFaults?: RandomFaultRates | null;
  readonly intents: readonly Intent[];
  readonly crash: boolean;
  readonly crashAfterOperations?: number;
  readonly steps?: readonly Step[];
  readonly trace?: readonly string[];
}

/** A string, or null (a counterexample's `variant`). */
const textOrNull: Codec<string | null> = {
  expected: 'a string or null',
  read(value, path) {
    if (value === null || typeof value === 'string') return value;
    throw new ScenarioError(path, 'type', `expected a string or null, got ${describeJson(value)}`);
  },
  write: (v) => v,
};

const injectableStatuses = HvStatusTable.map((s) => s.name).filter(
  (n) => n !== 'SUCCESS' && n !== 'CALL_PENDING',
);

/**
 * Random fault rates `{ "<HV status name>": probability }`, as the simulated hypervisor takes them:
 * a status it can inject (not SUCCESS, not CALL_PENDING), each with a rate in [0, 1].
 */
const randomFaultRatesCodec: Codec<RandomFaultRates | null> = {
  expected: 'random fault rates { HV status name: probability } or null',
  read(value, path) {
    if (value === null) return null;
    const rates = expectObject(value, path, 'random fault rates { HV status name: probability }');
    for (const [name, rate] of Object.entries(rates)) {
      const at = childPath(path, name);
      const code = hvStatusByName(name);
      if (code === undefined) throw unknownName(at, 'HV status', name, injectableStatuses);
      if (code === HvStatus.SUCCESS || code === HvStatus.CALL_PENDING)
        throw new ScenarioError(at, 'range', `${name} is not a status a random fault can answer`);
      probability.read(rate, at);
    }
    return rates as RandomFaultRates;
  },
  write: (v) => v as JsonObject | null,
};

const keyField = required(text(true));
const vpField = required(jsonInt('u32', false));
const u64Json = jsonU64(false);

/** MSHV_CREATE_PARTITION's arguments as `createArgsJson` writes them (`createArgsFromJson` reads them). */
const createArgsCodec = jsonObjectCodec(
  {
    ptFlags: required(u64Json),
    ptIsolation: required(u64Json),
    v2: optional(
      jsonObjectCodec(
        {
          numCpuFbanks: required(jsonInt('u32', false)),
          cpuFbanks: required(list(u64Json, 2)),
          disabledXsave: required(u64Json),
          rsvd: optional(u64Json),
          rsvd1: optional(u64Json),
        },
        'the v2 arguments of MSHV_CREATE_PARTITION',
      ),
    ),
  },
  'the arguments of MSHV_CREATE_PARTITION',
);

type IntentName = (typeof INTENT_NAMES)[number];

/** The `args` of each intent record, as the ControlPlane writes them and `applyIntent` reads them. */
const intentArgs: Readonly<Record<IntentName, Codec<JsonObject>>> = Object.fromEntries(
  Object.entries({
    createPartition: { key: keyField, args: required(createArgsCodec) },
    partition: { key: keyField, request: required(requestCodecFor('partition', false)) },
    vp: { key: keyField, vp: vpField, request: required(requestCodecFor('vp', false)) },
    guest: { key: keyField, vp: vpField, exits: required(list(guestExitCodec)) },
    signal: { key: keyField, vp: vpField },
    eventfd: {},
    writeEventfd: { fd: required(jsonInt('s32', false)), value: required(u64Json) },
    closeEventfd: { fd: required(jsonInt('s32', false)) },
    migrateUserPages: {
      userAddr: required(u64Json),
      size: required(u64Json),
      during: optional(oneOf(MIGRATE_DURING, 'migration time')),
    },
  } satisfies Record<IntentName, LooseSpec>).map(([name, spec]) => [
    name,
    jsonObjectCodec(spec, `the arguments of a ${name} intent`),
  ]),
) as Record<IntentName, Codec<JsonObject>>;

/** An intent record `{ name, args }` (a step's record also has `extra` members, its `kind`). */
function intentFromJson(json: unknown, path: string, what: string, extra: readonly string[] = []): Intent {
  const o = expectObject(json, path, what);
  checkFields(o, path, [...extra, 'name', 'args'], what);
  const { name } = readFields<{ name: IntentName }>(
    o,
    path,
    { name: required(oneOf(INTENT_NAMES, 'intent')) },
    what,
  );
  if (!Object.hasOwn(o, 'args'))
    throw new ScenarioError(
      childPath(path, 'args'),
      'required',
      `missing required field 'args' of a ${name} intent`,
    );
  return { name, args: intentArgs[name].read(o.args, childPath(path, 'args')) };
}

const intentCodec: Codec<Intent> = {
  expected: 'an intent record { name, args }',
  read: (value, path) => intentFromJson(value, path, 'an intent'),
  write: (v) => ({ name: v.name, args: v.args }),
};

const faultStepFields: SpecFor<FaultChoice> = {
  call: required(oneOf(Object.keys(HypercallCode) as HypercallName[], 'hypercall')),
  status: required(statusCodec),
  skip: required(int('u32')),
  completionDelayNs: optional(u64()),
};

/** `inside` of a crash step: the intent the VMM died in and how many of its operations completed. */
function insideFromJson(json: unknown, path: string): InsideCrash {
  const o = expectObject(json, path, 'a crash inside an intent');
  checkFields(o, path, ['intent', 'afterOperations'], 'a crash inside an intent');
  return readFields<InsideCrash>(
    o,
    path,
    {
      intent: required(intentCodec),
      afterOperations: required(int('u32', 1)),
    },
    'a crash inside an intent',
  );
}

const stepKinds = ['intent', 'fault', 'crash'] as const;

/** A step read back from `stepJson` (the file's steps are a record; the world and intents replay). */
function stepFromJson(json: unknown, path: string): Step {
  const o = expectObject(json, path, 'a step');
  const kind = readFields<{ kind: (typeof stepKinds)[number] }>(
    o,
    path,
    { kind: required(oneOf(stepKinds, 'step kind')) },
    'a step',
  ).kind;
  switch (kind) {
    case 'intent':
      return { kind, ...intentFromJson(o, path, 'an intent step', ['kind']) };
    case 'fault':
      checkFields(o, path, ['kind', ...Object.keys(faultStepFields)], 'a fault step');
      return { kind, ...readFields(o, path, faultStepFields, 'a fault step') };
    case 'crash':
      checkFields(o, path, ['kind', 'inside'], 'a crash step');
      return o.inside === undefined
        ? { kind }
        : { kind, inside: insideFromJson(o.inside, childPath(path, 'inside')) };
  }
}

const stepCodec: Codec<Step> = {
  expected: 'a step { kind: intent | fault | crash, … }',
  read: stepFromJson,
  write: stepJson,
};

const invariantNames = ALL_INVARIANTS.map((i) => i.name);

const counterexampleSpec: SpecFor<CounterexampleFields> = {
  invariant: required(oneOf(invariantNames, 'invariant')),
  message: required(text()),
  variant: required(textOrNull),
  model: required(text()),
  world: required(checkWorldCodec),
  randomFaults: optional(randomFaultRatesCodec),
  intents: required(list(intentCodec)),
  crash: required(bool),
  crashAfterOperations: optional(int('u32', 1)),
  steps: optional(list(stepCodec)),
  trace: optional(list(text())),
};

/**
 * A counterexample from its file's JSON (docs/guide/check.md, "Counterexample files"): every member
 * checked (an invariant the checker has, a u32 seed, intent records the ControlPlane can perform,
 * random fault rates it can inject, a boolean `crash`) and no other member. Throws a ScenarioError
 * naming the path and the rule.
 *
 * @example
 * counterexampleFromJson(JSON.parse(text)).intents.length; // 4
 * counterexampleFromJson({ ...json, crash: 'yes' }); // throws '$.crash: expected true or false, got string "yes"'
 */
export function counterexampleFromJson(json: unknown): Counterexample {
  const o = expectObject(json, '$', 'a counterexample');
  if (o.format !== COUNTEREXAMPLE_FORMAT)
    throw new ScenarioError('$.format', 'format', `expected "${COUNTEREXAMPLE_FORMAT}"`);
  if (o.version !== COUNTEREXAMPLE_VERSION)
    throw new ScenarioError('$.version', 'format', `expected version ${COUNTEREXAMPLE_VERSION}`);
  checkFields(o, '$', ['format', 'version', ...Object.keys(counterexampleSpec)], 'a counterexample');
  const f = readFields(o, '$', counterexampleSpec, 'a counterexample');
  if (f.crashAfterOperations !== undefined && (!f.crash || f.intents.length === 0))
    throw new ScenarioError(
      '$.crashAfterOperations',
      'conflict',
      'a crash inside an intent needs "crash": true and an intent to die in',
    );
  return {
    ...f,
    randomFaults: f.randomFaults ?? null,
    steps: f.steps ?? [],
    trace: f.trace ?? [],
  };
}

/** A step as JSON: a late completion's delay (a bigint) as a decimal string. */
function stepJson(step: Step): JsonValue {
  if (step.kind !== 'fault' || step.completionDelayNs === undefined) return step as unknown as JsonValue;
  return { ...step, completionDelayNs: step.completionDelayNs.toString() };
}
