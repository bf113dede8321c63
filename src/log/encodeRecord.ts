import { HV_PAGE_SIZE } from '../hv/Page.js';
import { canonicalJson, canonicalString } from './canonicalJson.js';
import { bytesToHex, wordToHex } from './hexBytes.js';
import type { JsonValue } from './JsonValue.js';
import {
  RECORD_KINDS,
  RECORD_VERSIONS,
  type HypercallRecord,
  type LogRecord,
  type OperationRecord,
  type ResultRecord,
} from './LogRecord.js';

/** The largest record body, in bytes of canonical text (every record, snapshots included). */
export const RECORD_BODY_BYTES_MAX = 16 * 1024 * 1024;

/** Hypercall input and output are at most one hypervisor page (HV_HYP_PAGE_SIZE). */
export const HYPERCALL_BYTES_MAX = HV_PAGE_SIZE;

const U64_MAX = (1n << 64n) - 1n;

/** The range of a C int, the type of every fd the uapi passes (`operation.fd`). */
export const FD_MIN = -(2 ** 31);
export const FD_MAX = 2 ** 31 - 1;

/**
 * The canonical body of a record: canonical JSON (sorted keys, ASCII, no whitespace) of its
 * encoded form, with `kind` and `v` (the kind's encoding version). This text is what is stored and
 * what the checksum covers. Validates as it goes: a field of the wrong type or range throws a
 * TypeError or RangeError naming it (`hypercall.code: 65536 does not fit u16`).
 *
 * @example
 * encodeRecord({ kind: 'transition', machine: 'vm0', from: 'created', event: 'INITIALIZE', to: 'initialized' });
 * // '{"event":"INITIALIZE","from":"created","kind":"transition","machine":"vm0","to":"initialized","v":1}'
 */
export function encodeRecord(record: LogRecord): string {
  const body = encodeBody(record);
  if (body.length > RECORD_BODY_BYTES_MAX)
    throw new RangeError(
      `${record.kind}: body is ${body.length} bytes, above RECORD_BODY_BYTES_MAX (${RECORD_BODY_BYTES_MAX})`,
    );
  return body;
}

function encodeBody(r: LogRecord): string {
  // Keys are written in sorted order by hand (the hot path); a test checks each against canonicalJson.
  switch (r.kind) {
    case 'intent':
      return `{"args":${json(r.args, 'intent.args')},"kind":"intent","name":${name(r.name, 'intent.name')},"v":${RECORD_VERSIONS.intent}}`;
    case 'transition':
      return `{"event":${name(r.event, 'transition.event')},"from":${name(r.from, 'transition.from')},"kind":"transition","machine":${name(r.machine, 'transition.machine')},"to":${name(r.to, 'transition.to')},"v":${RECORD_VERSIONS.transition}}`;
    case 'operation':
      return encodeOperation(r);
    case 'hypercall':
      return encodeHypercall(r);
    case 'result':
      return encodeResult(r);
    case 'snapshot':
      return `{"kind":"snapshot","state":${json(r.state, 'snapshot.state')},"v":${RECORD_VERSIONS.snapshot}}`;
    default:
      return unknownKind(r);
  }
}

function encodeOperation(r: OperationRecord): string {
  return (
    `{"args":${json(r.args, 'operation.args')},"fd":${fdOrNull(r.fd, 'operation.fd')}` +
    `,"id":${intOrNull(r.id, 'operation.id')},"kind":"operation","name":${name(r.name, 'operation.name')}` +
    `,"partition":${r.partition === null ? 'null' : name(r.partition, 'operation.partition')}` +
    `,"request":${uint(r.request, 32, 'operation.request')},"v":${RECORD_VERSIONS.operation}` +
    `,"vp":${intOrNull(r.vp, 'operation.vp')}}`
  );
}

function encodeHypercall(r: HypercallRecord): string {
  return (
    `{"code":${uint(r.code, 16, 'hypercall.code')},"control":"${word(r.control, 'hypercall.control')}"` +
    `,"input":"${bytes(r.input, 'hypercall.input')}","kind":"hypercall","name":${name(r.name, 'hypercall.name')}` +
    `,"op":${name(r.op, 'hypercall.op')},"output":${r.output === null ? 'null' : `"${bytes(r.output, 'hypercall.output')}"`}` +
    `,"repsCompleted":${uint(r.repsCompleted, 32, 'hypercall.repsCompleted')}` +
    `,"status":"${word(r.status, 'hypercall.status')}","v":${RECORD_VERSIONS.hypercall}` +
    `,"window":${intOrNull(r.window, 'hypercall.window')}}`
  );
}

function encodeResult(r: ResultRecord): string {
  const o = r.outcome;
  const okField: unknown = (o as { ok?: unknown } | null | undefined)?.ok;
  if (okField !== true && okField !== false)
    throw new TypeError('result.outcome: expected { ok: true, value } or { ok: false, errno, ... }');
  let outcome: string;
  if (o.ok) {
    outcome = `{"ok":true,"value":${json(o.value, 'result.outcome.value')}}`;
  } else {
    outcome =
      `{"errno":${uint(o.errno, 32, 'result.outcome.errno')},"errnoName":${name(o.errnoName, 'result.outcome.errnoName')}` +
      `,"hvStatus":${o.hvStatus === null ? 'null' : uint(o.hvStatus, 53, 'result.outcome.hvStatus')}` +
      `,"hvStatusName":${o.hvStatusName === null ? 'null' : name(o.hvStatusName, 'result.outcome.hvStatusName')}` +
      `,"hypercall":${o.hypercall === null ? 'null' : name(o.hypercall, 'result.outcome.hypercall')}` +
      `,"message":${text(o.message, 'result.outcome.message')},"ok":false}`;
  }
  return `{"id":${intOrNull(r.id, 'result.id')},"kind":"result","op":${name(r.op, 'result.op')},"outcome":${outcome},"v":${RECORD_VERSIONS.result}}`;
}

function unknownKind(r: never): never {
  const kind = (r as { kind?: unknown }).kind;
  throw new TypeError(
    `record.kind: ${typeof kind === 'string' ? `'${kind}'` : String(kind)} is not one of ${RECORD_KINDS.join(', ')}`,
  );
}

function json(v: JsonValue, field: string): string {
  return canonicalJson(v, field);
}

function text(v: string, field: string): string {
  if (typeof v !== 'string') throw new TypeError(`${field}: expected a string, found ${typeof v}`);
  return canonicalString(v);
}

function name(v: string, field: string): string {
  if (typeof v !== 'string' || v === '')
    throw new TypeError(
      `${field}: expected a non-empty string, found ${typeof v === 'string' ? "''" : typeof v}`,
    );
  return canonicalString(v);
}

function intOrNull(v: number | null, field: string): string {
  if (v === null) return 'null';
  return uint(v, 53, field);
}

/** An fd as ioctl(2) and read(2) take it: a C int, negative too (a bad fd the caller passed: EBADF). */
function fdOrNull(v: number | null, field: string): string {
  if (v === null) return 'null';
  if (typeof v !== 'number' || !Number.isInteger(v) || v < FD_MIN || v > FD_MAX)
    throw new RangeError(`${field}: ${String(v)} is not an fd (an integer in [${FD_MIN}, ${FD_MAX}])`);
  return String(v);
}

function uint(v: number, bits: 16 | 32 | 53, field: string): string {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw new RangeError(`${field}: ${String(v)} is not a non-negative integer`);
  if (bits < 53 && v >= 2 ** bits) throw new RangeError(`${field}: ${v} does not fit u${bits}`);
  return String(v);
}

function word(v: bigint, field: string): string {
  if (typeof v !== 'bigint') throw new TypeError(`${field}: expected a bigint u64 word, found ${typeof v}`);
  if (v < 0n || v > U64_MAX) throw new RangeError(`${field}: ${v} does not fit u64`);
  return wordToHex(v);
}

function bytes(v: Uint8Array, field: string): string {
  if (!(v instanceof Uint8Array)) throw new TypeError(`${field}: expected a Uint8Array`);
  if (v.length > HYPERCALL_BYTES_MAX)
    throw new RangeError(
      `${field}: ${v.length} bytes, above one page (HYPERCALL_BYTES_MAX ${HYPERCALL_BYTES_MAX})`,
    );
  return bytesToHex(v);
}
