import type { PartitionRequest } from '../../machines/partition/PartitionEvent.js';
import type { VpRequest } from '../../machines/vp/VpEvent.js';
import type { JsonObject, JsonValue } from '../log/JsonValue.js';
import type { CreatePartitionArgs } from '../ports/DevicePort.js';
import { MIGRATE_DURING, type MigrateDuring } from '../scenario/MigrateDuring.js';
import { guestExitCodec } from '../scenario/guestExitCodec.js';
import type { GuestExit } from '../scenario/Scenario.js';
import type { ControlPlane } from './ControlPlane.js';
import type { RequestOutcome } from './RequestOutcome.js';

/** The intent names a ControlPlane records (`ControlPlane.intent`), in the order its methods appear. */
export const INTENT_NAMES = [
  'createPartition',
  'partition',
  'vp',
  'guest',
  'signal',
  'eventfd',
  'writeEventfd',
  'closeEventfd',
  'migrateUserPages',
] as const;

/** One intent as the ControlPlane records it: the record's `name` and `args`. */
export interface Intent {
  readonly name: string;
  readonly args: JsonValue;
}

function object(v: JsonValue | undefined, what: string): JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new TypeError(`${what}: expected an object, got ${JSON.stringify(v ?? null)}`);
  return v as JsonObject;
}

function str(o: JsonObject, field: string, what: string): string {
  const v = o[field];
  if (typeof v !== 'string')
    throw new TypeError(`${what}.${field}: expected a string, got ${JSON.stringify(v ?? null)}`);
  return v;
}

function num(o: JsonObject, field: string, what: string): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new TypeError(`${what}.${field}: expected an integer, got ${JSON.stringify(v ?? null)}`);
  return v;
}

function during(v: JsonValue, what: string): MigrateDuring {
  if (typeof v === 'string' && (MIGRATE_DURING as readonly string[]).includes(v)) return v as MigrateDuring;
  throw new TypeError(`${what}: expected one of ${MIGRATE_DURING.join(', ')}, got ${JSON.stringify(v)}`);
}

function big(v: JsonValue | undefined, what: string): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^(0x[0-9a-fA-F]+|\d+)$/.test(v)) return BigInt(v);
  throw new TypeError(`${what}: expected an integer or 0x string, got ${JSON.stringify(v ?? null)}`);
}

/**
 * MSHV_CREATE_PARTITION's arguments from their intent JSON (`createArgsJson`'s inverse).
 *
 * @example
 * createArgsFromJson({ ptFlags: '0x13', ptIsolation: '0x0' }); // { ptFlags: 19n, ptIsolation: 0n }
 */
export function createArgsFromJson(json: JsonValue): CreatePartitionArgs {
  const o = object(json, 'args');
  const base = {
    ptFlags: big(o.ptFlags, 'args.ptFlags'),
    ptIsolation: big(o.ptIsolation, 'args.ptIsolation'),
  };
  if (o.v2 === undefined) return base;
  const v2 = object(o.v2, 'args.v2');
  const banks = v2.cpuFbanks;
  if (!Array.isArray(banks) || banks.length !== 2)
    throw new TypeError('args.v2.cpuFbanks: expected two words');
  return {
    ...base,
    v2: {
      numCpuFbanks: num(v2, 'numCpuFbanks', 'args.v2'),
      cpuFbanks: [
        big(banks[0] as JsonValue, 'args.v2.cpuFbanks[0]'),
        big(banks[1] as JsonValue, 'args.v2.cpuFbanks[1]'),
      ],
      disabledXsave: big(v2.disabledXsave, 'args.v2.disabledXsave'),
      ...(v2.rsvd === undefined ? {} : { rsvd: big(v2.rsvd, 'args.v2.rsvd') }),
      ...(v2.rsvd1 === undefined ? {} : { rsvd1: big(v2.rsvd1, 'args.v2.rsvd1') }),
    },
  };
}

/**
 * Guest exits from their intent JSON (`guestExitsJson`'s inverse), checked like a scenario's guest
 * script.
 *
 * @example
 * guestExitsFromJson([{ exit: 'HALT' }]); // [{ exit: 'HALT' }]
 */
export function guestExitsFromJson(json: JsonValue): GuestExit[] {
  if (!Array.isArray(json)) throw new TypeError(`args.exits: expected a list, got ${JSON.stringify(json)}`);
  return (json as readonly JsonValue[]).map((e, i) => guestExitCodec.read(e, `$.exits[${i}]`));
}

/**
 * Perform one intent record on a ControlPlane: the call the record was written by, with the same
 * arguments, so a list of intent records re-runs a session (replay, recovery, the model checker's
 * counterexamples). The plane records the intent again as it performs it. Returns the request's
 * outcome; `guest` and `signal` (world control) return undefined. Throws a TypeError naming the
 * field for a malformed record.
 *
 * @example
 * applyIntent(plane, { name: 'partition', args: { key: 'vm0', request: { type: 'INITIALIZE' } } });
 */
export function applyIntent(plane: ControlPlane, intent: Intent): RequestOutcome | undefined {
  const a = object(intent.args, `intent ${intent.name}: args`);
  const what = `${intent.name}.args`;
  switch (intent.name) {
    case 'createPartition':
      return plane.createPartition(str(a, 'key', what), createArgsFromJson(a.args ?? null));
    case 'partition':
      return plane.partition(
        str(a, 'key', what),
        object(a.request, `${what}.request`) as unknown as PartitionRequest,
      );
    case 'vp':
      return plane.vp(
        str(a, 'key', what),
        num(a, 'vp', what),
        object(a.request, `${what}.request`) as unknown as VpRequest,
      );
    case 'guest':
      plane.guest(str(a, 'key', what), num(a, 'vp', what), guestExitsFromJson(a.exits ?? null));
      return undefined;
    case 'signal':
      plane.signal(str(a, 'key', what), num(a, 'vp', what));
      return undefined;
    case 'eventfd':
      return plane.eventfd();
    case 'writeEventfd':
      return plane.writeEventfd(num(a, 'fd', what), big(a.value, `${what}.value`));
    case 'closeEventfd':
      return plane.closeEventfd(num(a, 'fd', what));
    case 'migrateUserPages':
      return plane.migrateUserPages(
        big(a.userAddr, `${what}.userAddr`),
        big(a.size, `${what}.size`),
        a.during === undefined ? undefined : during(a.during, `${what}.during`),
      );
    default:
      throw new TypeError(`intent '${intent.name}': not one of ${INTENT_NAMES.join(', ')}`);
  }
}
