import { vmmCodec } from '../scenario/vmmCodec.js';
import { HANDLERS } from '../../adapters/simulated/handlers/index.js';
import { HypercallCode, type HypercallName } from '../hv/HypercallCode.js';
import { HvStatus, hvStatusName } from '../hv/HvStatus.js';
import { MSHV_MAX_VPS } from '../hv/uapi/flags.js';
import { HV_PARTITION_PROPERTY, HV_PARTITION_PROPERTY_TIME } from '../hv/flags/HvPartitionProperty.js';
import {
  HV_REGISTER_VALUE_BYTES,
  HV_X64_REGISTER_GROUP,
  type HvX64RegisterGroup,
} from '../hv/flags/HvX64Register.js';
import { PARTITION_REQUESTS } from '../../machines/partition/PartitionEvent.js';
import { VP_REQUESTS } from '../../machines/vp/VpEvent.js';
import { isStatePagePart, VP_STATE_PARTS, type VpStatePart } from '../../machines/vp/VpStatePart.js';
import type { JsonObject, JsonValue } from '../log/JsonValue.js';
import { hexToBytes } from '../log/hexBytes.js';
import { HV_INTERCEPT_TYPE } from '../runtime/executePartitionOp.js';
import { bool, int, list, oneOf, text, u64, unknownName, type Codec } from '../scenario/Codec.js';
import { guestExitCodec } from '../scenario/guestExitCodec.js';
import { hostMemoryCodec } from '../scenario/hostMemoryCodec.js';
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
  type LooseSpec,
  objectCodec,
  optional,
  readFields,
  required,
  type SpecFor,
} from '../scenario/objectCodec.js';
import { parseJson } from '../scenario/parseJson.js';
import { describeJson, parseNumber } from '../scenario/parseNumber.js';
import { ScenarioError } from '../scenario/ScenarioError.js';
import { PtFlagBit, PtIsolation } from '../scenario/uapiNames.js';
import {
  CHECK_MODEL_FORMAT,
  type CheckBounds,
  type CheckModel,
  type CheckWorldSpec,
  type FaultChoice,
  type IntentTemplate,
  type RandomSettings,
} from './CheckModel.js';

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
 * The world of a check model and of a counterexample file: `seed` (u32), `hypervisor`, `hostMemory`
 * and `vmm` as in a scenario; no other member.
 *
 * @example
 * checkWorldCodec.read({ seed: 2 }, '$.world').hypervisor.scheduler; // 'core-smt'
 */
export const checkWorldCodec = objectCodec<CheckWorldSpec>(
  {
    seed: required(int('u32')),
    hypervisor: defaulted(hypervisorCodec, { scheduler: defaultScheduler, faults: [] }),
    hostMemory: defaulted(hostMemoryCodec, []),
    vmm: optional(vmmCodec),
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

const intentKinds = ['createPartition', 'partition', 'vp', 'guest', 'signal', 'signalIrqfd'] as const;

/** The string a model's request may give for an integer member: each VP index in turn (docs/guide/check.md). */
const VP_REF = '$vp';

/** The error for a `$`-string other than `"$vp"` where a model may give `"$vp"`. */
function unknownReference(path: string, value: string): ScenarioError {
  return new ScenarioError(
    path,
    'unknown-name',
    `unknown reference '${value}': the only one is "$vp" (each VP index in turn)`,
  );
}

/**
 * An integer member the machines and the runtime read as a JSON number (a VP index, a page count, a
 * gsi, an fd): a JSON integer that fits `width` (and is at most `max`), kept as written. With
 * `vpRef` (a model's request templates), also `"$vp"`.
 *
 * @example
 * jsonInt('u32', true).read('$vp', '$.intents[3].request.vp'); // '$vp'
 * jsonInt('u32', false).read(4294967296, '$.request.vp'); // throws '$.request.vp: 4294967296 does not fit u32'
 */
export function jsonInt(width: 'u8' | 'u32' | 's32', vpRef: boolean, max?: number): Codec<JsonValue> {
  const bound = max === undefined ? width : `${width}, at most ${max}`;
  const expected = `a JSON integer (${bound})${vpRef ? ' or "$vp"' : ''}`;
  return {
    expected,
    read(value, path) {
      if (vpRef && value === VP_REF) return value;
      if (vpRef && typeof value === 'string' && value.startsWith('$')) throw unknownReference(path, value);
      if (typeof value !== 'number')
        throw new ScenarioError(path, 'type', `expected ${expected}, got ${describeJson(value)}`);
      const n = Number(parseNumber(value, width, path));
      if (max !== undefined && n > max) throw new ScenarioError(path, 'range', `${n} is above ${max}`);
      return value;
    },
    write: (v) => v,
  };
}

/**
 * A u64 member as the runtime reads one (`u64Arg`): a JSON integer below 2^53, or a decimal or
 * `0x` hex string (no size units), kept as written. With `vpRef`, also `"$vp"`.
 *
 * @example
 * jsonU64(false).read('0x7f0000000000', '$.request.detail.userAddr'); // '0x7f0000000000'
 * jsonU64(false).read('64MiB', '$.request.detail.size'); // throws: not a decimal or 0x hex number
 */
export function jsonU64(vpRef: boolean): Codec<JsonValue> {
  const expected = `a u64 (a JSON integer, or a decimal or 0x hex string)${vpRef ? ' or "$vp"' : ''}`;
  return {
    expected,
    read(value, path) {
      if (vpRef && value === VP_REF) return value;
      if (typeof value === 'string') {
        if (vpRef && value.startsWith('$')) throw unknownReference(path, value);
        if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(value))
          throw new ScenarioError(
            path,
            'number-syntax',
            `'${value}' is not a decimal or 0x hex number (the runtime reads a u64 in no other form)`,
          );
      } else if (typeof value !== 'number')
        throw new ScenarioError(path, 'type', `expected ${expected}, got ${describeJson(value)}`);
      parseNumber(value, 'u64', path);
      return value;
    },
    write: (v) => v,
  };
}

/**
 * A JSON object with exactly the members of `spec`, each checked by its codec, read as written (the
 * object itself comes back, so a request reaches the ControlPlane as the file gives it).
 *
 * @example
 * jsonObjectCodec({ gsi: required(jsonInt('u32', false)) }, 'an IRQFD detail').read({ gsi: 24 }, '$.d'); // { gsi: 24 }
 */
export function jsonObjectCodec(
  spec: LooseSpec,
  what: string,
  check?: (value: JsonObject, path: string) => void,
): Codec<JsonObject> {
  return {
    expected: what,
    read(value, path) {
      const obj = expectObject(value, path, what);
      checkFields(obj, path, Object.keys(spec), what);
      readFields(obj, path, spec as SpecFor<Record<string, unknown>>, what);
      check?.(obj as JsonObject, path);
      return obj as JsonObject;
    },
    write: (v) => v,
  };
}

/** A byte string as the runtime reads `detail.data`: lowercase hex pairs, nothing else. */
const hexData: Codec<JsonValue> = {
  expected: 'a string of lowercase hex byte pairs',
  read(value, path) {
    if (typeof value !== 'string' || hexToBytes(value) === null)
      throw new ScenarioError(
        path,
        'hex',
        `expected a string of lowercase hex byte pairs, got ${describeJson(value)}`,
      );
    return value;
  },
  write: (v) => v,
};

/** SET_MSI_ROUTING's flat table: gsi, addressLo, addressHi, data per entry. */
function msiTable(u32: Codec<JsonValue>): Codec<JsonValue> {
  const items = list(u32);
  return {
    expected: 'a list of u32, four per entry (gsi, addressLo, addressHi, data)',
    read(value, path) {
      const table = items.read(value, path);
      if (table.length % 4 !== 0)
        throw new ScenarioError(
          path,
          'length',
          `has ${table.length} numbers; an entry is four (gsi, addressLo, addressHi, data)`,
        );
      return table;
    },
    write: (v) => v,
  };
}

/** What one request type takes besides `type`, and any rule between its members. */
interface RequestShape {
  readonly members: LooseSpec;
  readonly check?: (request: JsonObject, path: string) => void;
}

const memberOf = (o: JsonObject, key: string): JsonValue | undefined =>
  Object.hasOwn(o, key) ? o[key] : undefined;

/** SET_MSI_ROUTING's `entries` counts the entries of its `detail.table` (none without one). */
function entriesMatchTable(request: JsonObject, path: string): void {
  const detail = memberOf(request, 'detail');
  const table = typeof detail === 'object' && detail !== null ? memberOf(detail as JsonObject, 'table') : [];
  const entries = request.entries;
  if (typeof entries !== 'number' || !Array.isArray(table)) return;
  const held = (table as readonly JsonValue[]).length / 4;
  if (entries !== held)
    throw new ScenarioError(
      childPath(path, 'entries'),
      'conflict',
      `${entries} entries, but detail.table holds ${held} (the runtime installs the table)`,
    );
}

/** SET_STATE data of a register group is 16 bytes per register (what SET_VP_REGISTERS takes). */
function registerDataFits(request: JsonObject, path: string): void {
  const part = request.part as VpStatePart;
  const detail = memberOf(request, 'detail') as JsonObject | undefined;
  const data = detail === undefined ? undefined : memberOf(detail, 'data');
  if (typeof data !== 'string' || isStatePagePart(part)) return;
  const registers = HV_X64_REGISTER_GROUP[part as HvX64RegisterGroup] as readonly number[] | undefined;
  if (registers === undefined) return;
  const bytes = registers.length * HV_REGISTER_VALUE_BYTES;
  if (data.length / 2 !== bytes)
    throw new ScenarioError(
      childPath(childPath(path, 'detail'), 'data'),
      'length',
      `${data.length / 2} bytes; ${part} takes ${bytes} (16 per register)`,
    );
}

/**
 * A region key (a non-empty string). In a template a `$`-string is refused: `"$vp"` would be replaced
 * by a number, and there is no other reference.
 */
function regionKey(vpRef: boolean): Codec<string> {
  const key = text(true);
  return {
    expected: 'a region key (a string)',
    read(value, path) {
      if (vpRef && typeof value === 'string' && value.startsWith('$'))
        throw new ScenarioError(
          path,
          'type',
          `'${value}': a region key is a string; "$vp" stands for an integer`,
        );
      return key.read(value, path);
    },
    write: (v) => v,
  };
}

const PROPERTY_NAMES = [...Object.keys(HV_PARTITION_PROPERTY), ...Object.keys(HV_PARTITION_PROPERTY_TIME)];

/**
 * The members of each partition request (machines/partition/PartitionEvent.ts), with the `detail`
 * members its operation reads (src/runtime/executePartitionOp.ts). Widths are the uapi's; rules of
 * the machines (a VP index below 256, 1 to 65,536 dirty pages, the phase) are left to them.
 */
function partitionShapes(
  vpRef: boolean,
): Readonly<Record<(typeof PARTITION_REQUESTS)[number], RequestShape>> {
  const [u8, u32, s32, u64] = [
    jsonInt('u8', vpRef),
    jsonInt('u32', vpRef),
    jsonInt('s32', vpRef),
    jsonU64(vpRef),
  ];
  const detail = (type: string, spec: LooseSpec): Codec<JsonObject> =>
    jsonObjectCodec(spec, `the detail of a ${type} request`);
  const none: RequestShape = { members: {} };
  const region = required(regionKey(vpRef));
  return {
    SET_PROPERTY: {
      members: { property: required(oneOf(PROPERTY_NAMES, 'partition property')), value: required(u64) },
    },
    INITIALIZE: none,
    CREATE_VP: { members: { vp: required(u32) } },
    MAP_MEMORY: {
      members: {
        region,
        detail: required(
          detail('MAP_MEMORY', {
            guestPfn: required(u64),
            size: required(u64),
            userAddr: required(u64),
            flags: optional(u8),
          }),
        ),
      },
    },
    UNMAP_MEMORY: { members: { region } },
    INSTALL_INTERCEPT: {
      members: {
        kind: required(oneOf(Object.keys(HV_INTERCEPT_TYPE), 'intercept kind')),
        detail: optional(
          detail('INSTALL_INTERCEPT', {
            access: optional(jsonInt('u8', vpRef, 7)),
            parameter: optional(u64),
          }),
        ),
      },
    },
    IOEVENTFD: {
      members: {
        assign: required(bool),
        pio: required(bool),
        detail: required(
          detail('IOEVENTFD', {
            fd: optional(s32),
            addr: required(u64),
            len: required(u32),
            datamatch: optional(u64),
            release: optional(bool),
          }),
        ),
      },
    },
    IRQFD: {
      members: {
        assign: required(bool),
        detail: required(
          detail('IRQFD', {
            fd: optional(s32),
            gsi: required(u32),
            resamplefd: optional(s32),
            resample: optional(bool),
            release: optional(bool),
          }),
        ),
      },
    },
    SET_MSI_ROUTING: {
      members: {
        entries: required(u32),
        detail: optional(detail('SET_MSI_ROUTING', { table: optional(msiTable(u32)) })),
      },
      check: entriesMatchTable,
    },
    START: none,
    PAUSE: none,
    RESUME: none,
    FREEZE_TIME: none,
    THAW_TIME: none,
    SET_REFERENCE_TIME: { members: { value: required(u64) } },
    SNAPSHOT: none,
    ENABLE_DIRTY_TRACKING: none,
    READ_DIRTY: {
      members: { pages: required(u32), detail: optional(detail('READ_DIRTY', { base: optional(u64) })) },
    },
    MARK_ALL_DIRTY: none,
    DISABLE_DIRTY_TRACKING: none,
    CLOSE: none,
  };
}

/** The members of each VP request (machines/vp/VpEvent.ts); RUN's phase is the runtime's to fill in. */
function vpShapes(): Readonly<Record<(typeof VP_REQUESTS)[number], RequestShape>> {
  const none: RequestShape = { members: {} };
  const part = required(oneOf(VP_STATE_PARTS, 'VP state part'));
  return {
    READY: none,
    RUN: none,
    PARK: none,
    UNPARK: none,
    SET_STATE: {
      members: {
        part,
        detail: optional(jsonObjectCodec({ data: optional(hexData) }, 'the detail of a SET_STATE request')),
      },
      check: registerDataFits,
    },
    GET_STATE: { members: { part } },
    DELETE: none,
  };
}

/** A request object: `type` from `types`, then exactly the members of its shape. */
function requestCodec(
  types: readonly string[],
  shapes: Readonly<Record<string, RequestShape>>,
  what: string,
): Codec<Readonly<Record<string, JsonValue>>> {
  const codecs = new Map(
    Object.entries(shapes).map(([type, shape]) => [
      type,
      jsonObjectCodec({ type: required(text()), ...shape.members }, `a ${type} request`, shape.check),
    ]),
  );
  return {
    expected: what,
    read(value, path) {
      const obj = expectObject(value, path, what);
      const typePath = childPath(path, 'type');
      if (!Object.hasOwn(obj, 'type'))
        throw new ScenarioError(typePath, 'required', `missing required field 'type' (${types.join(', ')})`);
      const type = obj.type;
      if (typeof type !== 'string')
        throw new ScenarioError(typePath, 'type', `expected a request name, got ${describeJson(type)}`);
      const codec = types.includes(type) ? codecs.get(type) : undefined;
      if (codec === undefined) throw unknownName(typePath, 'request', type, types);
      if (type === 'RUN' && Object.hasOwn(obj, 'partition'))
        throw new ScenarioError(
          childPath(path, 'partition'),
          'conflict',
          "RUN takes the partition's phase from the runtime; leave 'partition' out",
        );
      codec.read(obj, path);
      return obj as Record<string, JsonValue>;
    },
    write: (v) => v,
  };
}

const vpRequestCodec = requestCodec(VP_REQUESTS, vpShapes(), 'a VP request');
const REQUEST_CODECS = {
  partition: {
    template: requestCodec(PARTITION_REQUESTS, partitionShapes(true), 'a partition request'),
    recorded: requestCodec(PARTITION_REQUESTS, partitionShapes(false), 'a partition request'),
  },
  vp: { template: vpRequestCodec, recorded: vpRequestCodec },
};

/**
 * The codec of a partition or VP request as the ControlPlane takes it: `type` one the machine knows,
 * then exactly that type's members (`vp`, `region`, `detail.gsi`, …) in their uapi widths, read as
 * written. With `vpRef` (a model's templates), an integer member of a partition request may be
 * `"$vp"`; a VP request's index is the intent's, so it names none. Errors name the member's path.
 *
 * @example
 * requestCodecFor('partition', true).read({ type: 'CREATE_VP', vp: '$vp' }, '$.intents[3].request');
 * requestCodecFor('partition', true).read({ type: 'CREATE_VP', vpIndex: 0 }, '$.intents[3].request');
 * // throws "$.intents[3].request.vpIndex: unknown field 'vpIndex' in a CREATE_VP request ..."
 */
export function requestCodecFor(
  machine: 'partition' | 'vp',
  vpRef: boolean,
): Codec<Readonly<Record<string, JsonValue>>> {
  return REQUEST_CODECS[machine][vpRef ? 'template' : 'recorded'];
}
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
  if (model.bounds.vps > MSHV_MAX_VPS)
    throw new ScenarioError('$.bounds.vps', 'range', `${model.bounds.vps} is above MSHV_MAX_VPS`);
  return model;
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
