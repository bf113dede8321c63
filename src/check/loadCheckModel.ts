import { kernelCodec } from '../scenario/kernelCodec.js';
import { vmmCodec } from '../scenario/vmmCodec.js';
import { HANDLERS } from '../../adapters/simulated/handlers/index.js';
import { HypercallCode, type HypercallName } from '../hv/HypercallCode.js';
import { HvStatus, hvStatusName } from '../hv/HvStatus.js';
import { MSHV_MAX_VPS } from '../hv/uapi/flags.js';
import { bool, bytes, int, list, oneOf, text, u64, unknownName, type Codec } from '../scenario/Codec.js';
import { guestExitCodec } from '../scenario/guestExitCodec.js';
import { hostMemoryCodec } from '../scenario/hostMemoryCodec.js';
import { MIGRATE_DURING } from '../scenario/MigrateDuring.js';
import {
  completionDelayProblem,
  defaultScheduler,
  hypervisorCodec,
  statusCodec,
} from '../scenario/hypervisorCodec.js';
import { childPath } from '../scenario/jsonPath.js';
import { enumBig, flagsBig } from '../scenario/nameCodecs.js';
import {
  checkFields,
  defaulted,
  expectObject,
  objectCodec,
  optional,
  readFields,
  required,
  type SpecFor,
} from '../scenario/objectCodec.js';
import { parseJson } from '../scenario/parseJson.js';
import { describeJson } from '../scenario/parseNumber.js';
import { ScenarioError } from '../scenario/ScenarioError.js';
import { PtFlagBit, PtIsolation } from '../scenario/uapiNames.js';
import {
  CHECK_MODEL_FORMAT,
  CRASH_POINTS,
  type CheckBounds,
  type CheckModel,
  type CheckWorldSpec,
  type FaultChoice,
  type IntentTemplate,
  type RandomSettings,
} from './CheckModel.js';
import { requestCodecFor } from './requestCodec.js';

/** A bounded integer field. */
function range(min: number, max: number): Codec<number> {
  const base = int('u32', min);
  return {
    expected: `an integer in [${min}, ${max}]`,
    read(value, path) {
      const v = base.read(value, path);
      if (v > max) throw new ScenarioError(path, 'range', `${v} is above ${max}`);
      return v;
    },
    write: (v) => v,
  };
}

/** A probability in [0, 1] (a model's rates; a counterexample's random fault rates). */
export const probability: Codec<number> = {
  expected: 'a number in [0, 1]',
  read(value, path) {
    if (typeof value !== 'number' || !(value >= 0 && value <= 1))
      throw new ScenarioError(path, 'range', `expected a number in [0, 1], got ${describeJson(value)}`);
    return value;
  },
  write: (v) => v,
};

/**
 * `world.lostSignals`: how many of the first signals to VP threads are lost, a u32, or `"all"`
 * (read as `Infinity`).
 *
 * @example
 * lostSignalsCodec.read('all', '$.world.lostSignals'); // Infinity
 */
export const lostSignalsCodec: Codec<number> = {
  expected: 'a u32 or "all"',
  read(value, path) {
    if (value === 'all') return Number.POSITIVE_INFINITY;
    return int('u32').read(value, path);
  },
  write: (v) => (v === Number.POSITIVE_INFINITY ? 'all' : v),
};

/**
 * The world of a check model and of a counterexample file: `seed` (u32), `hypervisor`, `kernel`,
 * `hostMemory` and `vmm` as in a scenario, and the checker-only `lostSignals` (`lostSignalsCodec`); no other
 * member.
 *
 * @example
 * checkWorldCodec.read({ seed: 2 }, '$.world').hypervisor.scheduler; // 'core-smt'
 */
export const checkWorldCodec = objectCodec<CheckWorldSpec>(
  {
    seed: required(int('u32')),
    hypervisor: defaulted(hypervisorCodec, { scheduler: defaultScheduler, faults: [] }),
    kernel: optional(kernelCodec),
    hostMemory: defaulted(hostMemoryCodec, []),
    vmm: optional(vmmCodec),
    lostSignals: optional(lostSignalsCodec),
  },
  'the world',
);

const boundsCodec = objectCodec<CheckBounds>(
  {
    partitions: defaulted(range(1, 8), 1),
    vps: defaulted(range(1, 16), 2),
    steps: defaulted(range(1, 64), 8),
    regions: defaulted(range(0, 16), 2),
    faults: defaulted(range(0, 16), 1),
    states: defaulted(range(1, 100_000_000), 200_000),
  },
  'the bounds',
);

const randomCodec = objectCodec<RandomSettings>(
  {
    walks: defaulted(range(1, 10_000_000), 200),
    faultRateMax: defaulted(probability, 0.3),
    machineFaultRateMax: defaulted(probability, 0),
  },
  'the random-walk settings',
);

const symmetryCodec = objectCodec<CheckModel['symmetry']>(
  { partitions: defaulted(bool, true), vps: defaulted(bool, true) },
  'the symmetry settings',
);

const dfsCodec = objectCodec<{ splitDepth: number }>(
  { splitDepth: defaulted(range(0, 16), 3) },
  'the DFS settings',
);

const hypercallNames = Object.keys(HypercallCode) as HypercallName[];
const declared = new Map<string, readonly number[]>(HANDLERS.map((h) => [h.def.name, h.statuses]));

/**
 * The longest late completion a model may choose: the driver model grants an async call 64 waits of
 * 1 ms (ASYNC_WAIT_ROUNDS_MAX) before it reports the hang the kernel would suffer, so a longer delay
 * would make every path through it a modelling artefact, not a finding.
 */
export const LATE_COMPLETION_NS_MAX = 50_000_000n;

/** A late completion `{ call, status: CALL_PENDING, completionDelayNs }`: an async call only, bounded. */
function checkLateCompletion(f: FaultChoice, path: string): void {
  const where = childPath(path, 'completionDelayNs');
  if (f.completionDelayNs === undefined)
    throw new ScenarioError(
      where,
      'required',
      'CALL_PENDING is a late completion: give its completionDelayNs',
    );
  const problem = completionDelayProblem(f.call, f.status);
  if (problem !== undefined) throw new ScenarioError(where, 'conflict', problem);
  if (f.completionDelayNs > LATE_COMPLETION_NS_MAX)
    throw new ScenarioError(
      where,
      'range',
      `${f.completionDelayNs} is above ${LATE_COMPLETION_NS_MAX} (the driver model waits 64 rounds of 1 ms)`,
    );
}

const faultCodec: Codec<FaultChoice> = objectCodec<FaultChoice>(
  {
    call: required(oneOf(hypercallNames, 'hypercall')),
    status: required(statusCodec),
    skip: defaulted(range(0, 4095), 0),
    completionDelayNs: optional(u64()),
  },
  'a fault choice',
  (f, path) => {
    if (f.status === HvStatus.CALL_PENDING || f.completionDelayNs !== undefined) {
      checkLateCompletion(f, path);
      return;
    }
    const can = declared.get(f.call) ?? [];
    if (f.status === HvStatus.SUCCESS || !can.includes(f.status))
      throw new ScenarioError(
        childPath(path, 'status'),
        'range',
        `${f.call} does not return ${hvStatusName(f.status)} (it can return: ${
          can
            .filter((s) => s !== HvStatus.CALL_PENDING)
            .map(hvStatusName)
            .join(', ') || 'nothing else'
        })`,
      );
  },
);

const intentKinds = [
  'createPartition',
  'partition',
  'vp',
  'guest',
  'signal',
  'signalIrqfd',
  'migrateUserPages',
] as const;

const intentSpecs = {
  createPartition: {
    flags: defaulted(flagsBig(PtFlagBit, 'u64', 'partition flag'), 0n),
    isolation: defaulted(enumBig(PtIsolation, 'u64', 'isolation type'), 0n),
  },
  partition: { request: required(requestCodecFor('partition', true)) },
  vp: { request: required(requestCodecFor('vp', true)) },
  guest: { exits: required(list(guestExitCodec)) },
  signal: {},
  signalIrqfd: {},
  migrateUserPages: {
    userAddr: required(u64()),
    size: required(bytes()),
    during: optional(oneOf(MIGRATE_DURING, 'migration time')),
  },
} as const;

const intentCodec: Codec<IntentTemplate> = {
  expected: 'an intent template',
  read(value, path) {
    const obj = expectObject(value, path, 'an intent template');
    const kindPath = childPath(path, 'intent');
    if (!Object.hasOwn(obj, 'intent'))
      throw new ScenarioError(
        kindPath,
        'required',
        `missing required field 'intent' (${intentKinds.join(', ')})`,
      );
    const kind = obj.intent;
    if (typeof kind !== 'string')
      throw new ScenarioError(kindPath, 'type', `expected an intent name, got ${describeJson(kind)}`);
    if (!(intentKinds as readonly string[]).includes(kind))
      throw unknownName(kindPath, 'intent', kind, intentKinds);
    const spec = intentSpecs[kind as (typeof intentKinds)[number]] as SpecFor<Record<string, unknown>>;
    checkFields(obj, path, ['intent', ...Object.keys(spec)], `a ${kind} intent`);
    return { intent: kind, ...readFields(obj, path, spec, `a ${kind} intent`) } as IntentTemplate;
  },
  write: (v) => v as never,
};

const modelSpec: SpecFor<CheckModel> = {
  name: required(text(true)),
  world: required(checkWorldCodec),
  bounds: defaulted(boundsCodec, {
    partitions: 1,
    vps: 2,
    steps: 8,
    regions: 2,
    faults: 1,
    states: 200_000,
  }),
  intents: required(list(intentCodec)),
  faults: defaulted(list(faultCodec), []),
  crash: defaulted(bool, false),
  crashInside: optional(bool),
  crashPoints: optional(oneOf(CRASH_POINTS, 'crash points')),
  symmetry: defaulted(symmetryCodec, { partitions: true, vps: true }),
  random: defaulted(randomCodec, { walks: 200, faultRateMax: 0.3, machineFaultRateMax: 0 }),
  dfsSplitDepth: defaulted(range(0, 16), 3),
};

const topFields = [
  'format',
  'name',
  'world',
  'bounds',
  'intents',
  'faults',
  'crash',
  'crashInside',
  'crashPoints',
  'symmetry',
  'random',
  'dfs',
];

/**
 * Check a parsed JSON value against the check model format (version 1, docs/guide/check.md) and
 * return the typed model. Throws a ScenarioError naming the JSON path and the rule
 * (`$.bounds.vps: 300 is above 16`, `$.intents[2].request.type: unknown request 'INITIALISE'`).
 *
 * @example
 * loadCheckModel({ format: 1, name: 'tiny', world: { seed: 1 }, intents: [] }).bounds.steps; // 8
 */
export function loadCheckModel(json: unknown): CheckModel {
  const root = expectObject(json, '$', 'a check model');
  if (root.format !== CHECK_MODEL_FORMAT)
    throw new ScenarioError(
      '$.format',
      Object.hasOwn(root, 'format') ? 'format' : 'required',
      `expected "format": ${CHECK_MODEL_FORMAT} (the check model format this build reads), got ${describeJson(root.format)}`,
    );
  checkFields(root, '$', topFields, 'a check model');
  const { dfs, ...rest } = root;
  const model = readFields(
    { ...rest, ...(dfs === undefined ? {} : { dfsSplitDepth: dfsCodec.read(dfs, '$.dfs').splitDepth }) },
    '$',
    modelSpec,
    'a check model',
  );
  if (model.crashInside === true && !model.crash)
    throw new ScenarioError('$.crashInside', 'conflict', 'crashes inside intents need "crash": true');
  if (model.crashPoints === 'transitions' && !model.crash)
    throw new ScenarioError(
      '$.crashPoints',
      'conflict',
      'a crash after every transition needs "crash": true',
    );
  if (model.bounds.vps > MSHV_MAX_VPS)
    throw new ScenarioError('$.bounds.vps', 'range', `${model.bounds.vps} is above MSHV_MAX_VPS`);
  return model;
}

/**
 * Refuse a model that a strategy would run other than as written: a crash after every transition
 * (`crashPoints: "transitions"`) is explored by BFS and DFS, which judge a crash once per state
 * unless told otherwise; random walks crash at random steps, so they refuse such a model (as the CLI
 * refuses `--crash-points transitions` with them) rather than leave the option without effect.
 * Crashes inside intents (`crashInside`) run under every strategy. Throws a ScenarioError naming
 * `$.crashPoints`.
 *
 * @example
 * checkStrategyFits(model, 'random'); // throws '$.crashPoints: a crash after every transition is explored by bfs and dfs; ...'
 */
export function checkStrategyFits(model: CheckModel, strategy: 'bfs' | 'dfs' | 'random'): void {
  if (strategy !== 'random') return;
  if (model.crashPoints === 'transitions')
    throw new ScenarioError(
      '$.crashPoints',
      'conflict',
      'a crash after every transition is explored by bfs and dfs; random walks crash at random steps',
    );
}

/**
 * Parse check model text (strict JSON: duplicate keys and imprecise integers are refused) and load it.
 *
 * @example
 * parseCheckModelText('{"format": 1, "name": "t", "world": {"seed": 1}, "intents": []}').name; // 't'
 */
export function parseCheckModelText(textValue: string): CheckModel {
  const parsed = parseJson(textValue);
  try {
    return loadCheckModel(parsed.value);
  } catch (e) {
    if (e instanceof ScenarioError) throw e.at(parsed.positions.get(e.path));
    throw e;
  }
}
