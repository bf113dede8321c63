import { RecordError } from './LogError.js';
import { FD_MAX, FD_MIN, HYPERCALL_BYTES_MAX } from './encodeRecord.js';
import { hexToBytes, hexToWord } from './hexBytes.js';
import type { JsonValue } from './JsonValue.js';
import {
  RECORD_KINDS,
  RECORD_VERSIONS,
  type LogRecord,
  type RecordKind,
  type ResultOutcome,
} from './LogRecord.js';

type Obj = Readonly<Record<string, unknown>>;

const KEYS: Readonly<Record<RecordKind, readonly string[]>> = {
  intent: ['args', 'kind', 'name', 'v'],
  transition: ['event', 'from', 'kind', 'machine', 'to', 'v'],
  operation: ['args', 'fd', 'id', 'kind', 'name', 'partition', 'request', 'v', 'vp'],
  hypercall: [
    'code',
    'control',
    'input',
    'kind',
    'name',
    'op',
    'output',
    'repsCompleted',
    'status',
    'v',
    'window',
  ],
  result: ['id', 'kind', 'op', 'outcome', 'v'],
  snapshot: ['kind', 'state', 'v'],
};
const OK_KEYS = ['ok', 'value'];
const ERR_KEYS = ['errno', 'errnoName', 'hvStatus', 'hvStatusName', 'hypercall', 'message', 'ok'];

/**
 * Decode a record body (canonical JSON text) into a record. Strict: the kind must be known, its
 * version supported, every field present with the right type and range, and no field extra.
 * Throws a RecordError naming the field and the rule (`hypercall.status: expected 0x + 16 lowercase
 * hex digits`), with problem `unknown-kind`, `record-version` or `undecodable`.
 *
 * @example
 * decodeRecord('{"kind":"snapshot","state":{"vps":4},"v":1}'); // { kind: 'snapshot', state: { vps: 4 } }
 */
export function decodeRecord(body: string): LogRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    throw new RecordError('undecodable', `body is not JSON (${(e as Error).message})`);
  }
  return decodeRecordValue(parsed);
}

/**
 * Decode an already parsed record value (an import line's fields). Same rules as `decodeRecord`.
 *
 * @example
 * decodeRecordValue({ kind: 'snapshot', state: null, v: 1, seq: 3 }, ['seq']);
 * // { kind: 'snapshot', state: null } (without ['seq']: throws 'snapshot.seq: unknown field')
 */
export function decodeRecordValue(value: unknown, extraKeys: readonly string[] = []): LogRecord {
  if (!isObject(value)) throw new RecordError('undecodable', 'record: expected a JSON object');
  const kind = value.kind;
  if (typeof kind !== 'string') throw new RecordError('undecodable', 'record.kind: expected a string');
  if (!isKind(kind))
    throw new RecordError('unknown-kind', `unknown kind '${kind}' (known: ${RECORD_KINDS.join(', ')})`);
  const v = value.v;
  if (v !== RECORD_VERSIONS[kind])
    throw new RecordError(
      'record-version',
      `${kind}.v: version ${v === undefined ? 'missing' : JSON.stringify(v)} is not supported (this build reads ${RECORD_VERSIONS[kind]})`,
    );
  exactKeys(value, KEYS[kind], extraKeys, kind);
  const f = new Fields(value, kind);
  switch (kind) {
    case 'intent':
      return { kind, name: f.name('name'), args: f.json('args') };
    case 'transition':
      return {
        kind,
        machine: f.name('machine'),
        from: f.name('from'),
        event: f.name('event'),
        to: f.name('to'),
      };
    case 'operation':
      return {
        kind,
        id: f.intOrNull('id'),
        name: f.name('name'),
        fd: f.fdOrNull('fd'),
        partition: f.nameOrNull('partition'),
        vp: f.intOrNull('vp'),
        request: f.uint('request', 32),
        args: f.json('args'),
      };
    case 'hypercall':
      return {
        kind,
        name: f.name('name'),
        code: f.uint('code', 16),
        control: f.word('control'),
        input: f.bytes('input'),
        status: f.word('status'),
        repsCompleted: f.uint('repsCompleted', 32),
        output: value.output === null ? null : f.bytes('output'),
        window: f.intOrNull('window'),
        op: f.name('op'),
      };
    case 'result':
      return { kind, id: f.intOrNull('id'), op: f.name('op'), outcome: decodeOutcome(value.outcome) };
    case 'snapshot':
      return { kind, state: f.json('state') };
  }
}

function decodeOutcome(o: unknown): ResultOutcome {
  if (!isObject(o)) throw new RecordError('undecodable', 'result.outcome: expected a JSON object');
  if (o.ok === true) {
    exactKeys(o, OK_KEYS, [], 'result.outcome');
    return { ok: true, value: o.value as JsonValue };
  }
  if (o.ok !== false) throw new RecordError('undecodable', 'result.outcome.ok: expected true or false');
  exactKeys(o, ERR_KEYS, [], 'result.outcome');
  const f = new Fields(o, 'result.outcome');
  return {
    ok: false,
    errno: f.uint('errno', 32),
    errnoName: f.name('errnoName'),
    hvStatus: o.hvStatus === null ? null : f.uint('hvStatus', 53),
    hvStatusName: f.nameOrNull('hvStatusName'),
    hypercall: f.nameOrNull('hypercall'),
    message: f.text('message'),
  };
}

/** Typed field readers that name `where.field` in their errors. */
class Fields {
  constructor(
    readonly o: Obj,
    readonly where: string,
  ) {}

  #bad(field: string, rule: string): never {
    throw new RecordError('undecodable', `${this.where}.${field}: ${rule}, found ${show(this.o[field])}`);
  }

  text(field: string): string {
    const v = this.o[field];
    return typeof v === 'string' ? v : this.#bad(field, 'expected a string');
  }

  name(field: string): string {
    const v = this.o[field];
    return typeof v === 'string' && v !== '' ? v : this.#bad(field, 'expected a non-empty string');
  }

  nameOrNull(field: string): string | null {
    return this.o[field] === null ? null : this.name(field);
  }

  uint(field: string, bits: 16 | 32 | 53): number {
    const v = this.o[field];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || (bits < 53 && v >= 2 ** bits))
      return this.#bad(field, bits === 53 ? 'expected a non-negative safe integer' : `expected a u${bits}`);
    return v;
  }

  intOrNull(field: string): number | null {
    return this.o[field] === null ? null : this.uint(field, 53);
  }

  /** An fd: a C int, negative too (a bad fd an ioctl was issued on), or null. */
  fdOrNull(field: string): number | null {
    const v = this.o[field];
    if (v === null) return null;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < FD_MIN || v > FD_MAX)
      return this.#bad(field, `expected an fd (an integer in [${FD_MIN}, ${FD_MAX}]) or null`);
    return v;
  }

  word(field: string): bigint {
    const v = this.o[field];
    const w = typeof v === 'string' ? hexToWord(v) : null;
    return w ?? this.#bad(field, 'expected 0x + 16 lowercase hex digits (u64)');
  }

  bytes(field: string): Uint8Array {
    const v = this.o[field];
    const b = typeof v === 'string' ? hexToBytes(v) : null;
    if (b === null) return this.#bad(field, 'expected lowercase hex bytes');
    if (b.length > HYPERCALL_BYTES_MAX)
      return this.#bad(field, `expected at most ${HYPERCALL_BYTES_MAX} bytes`);
    return b;
  }

  json(field: string): JsonValue {
    // JSON.parse produced it, so it is JSON already.
    return this.o[field] as JsonValue;
  }
}

function exactKeys(o: Obj, keys: readonly string[], extra: readonly string[], where: string): void {
  for (const k of keys)
    if (!Object.hasOwn(o, k)) throw new RecordError('undecodable', `${where}.${k}: missing`);
  const present = Object.keys(o);
  if (present.length === keys.length) return;
  for (const k of present)
    if (!keys.includes(k) && !extra.includes(k))
      throw new RecordError('undecodable', `${where}.${k}: unknown field`);
}

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isKind(k: string): k is RecordKind {
  return (RECORD_KINDS as readonly string[]).includes(k);
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}
