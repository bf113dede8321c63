/**
 * The codecs of partition and VP requests as the ControlPlane takes them (a model's intent templates,
 * a counterexample's recorded intents): each request type's members in their uapi widths.
 */
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
import { bool, list, oneOf, text, unknownName, type Codec } from '../scenario/Codec.js';
import { childPath } from '../scenario/jsonPath.js';
import {
  checkFields,
  expectObject,
  type LooseSpec,
  optional,
  readFields,
  required,
  type SpecFor,
} from '../scenario/objectCodec.js';
import { describeJson, parseNumber } from '../scenario/parseNumber.js';
import { ScenarioError } from '../scenario/ScenarioError.js';

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
    CREATE_VP: { members: { vp: required(u32), restore: optional(bool) } },
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
