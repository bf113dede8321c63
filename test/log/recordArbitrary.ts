import fc from 'fast-check';
import type { JsonValue } from '../../src/log/JsonValue.js';
import type { LogRecord, ResultOutcome } from '../../src/log/LogRecord.js';

const name = fc.string({ unit: 'binary', minLength: 1, maxLength: 12 });
/** JSON values; -0 becomes 0, as JSON text (and so the log) writes it. */
const json: fc.Arbitrary<JsonValue> = fc
  .jsonValue({ maxDepth: 3, stringUnit: 'binary' })
  .map((v) => JSON.parse(JSON.stringify(v)) as JsonValue);
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const idOrNull = fc.option(fc.nat(), { nil: null });
const page = fc.uint8Array({ maxLength: 4096 });

const outcome: fc.Arbitrary<ResultOutcome> = fc.oneof(
  json.map((value) => ({ ok: true as const, value })),
  fc.record({
    ok: fc.constant(false as const),
    errno: fc.integer({ min: 0, max: 0xffff_ffff }),
    errnoName: name,
    // hv_result()'s 16 bits, and a wider value a driver under test reported (seed review point 9).
    hvStatus: fc.option(fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.maxSafeNat()), { nil: null }),
    hvStatusName: fc.option(name, { nil: null }),
    hypercall: fc.option(name, { nil: null }),
    message: fc.string({ unit: 'binary' }),
  }),
);

/** Any valid record of any kind. */
export const recordArbitrary: fc.Arbitrary<LogRecord> = fc.oneof(
  fc.record({ kind: fc.constant('intent' as const), name, args: json }),
  fc.record({ kind: fc.constant('transition' as const), machine: name, from: name, event: name, to: name }),
  fc.record({
    kind: fc.constant('operation' as const),
    id: idOrNull,
    name,
    fd: idOrNull,
    partition: fc.option(name, { nil: null }),
    vp: idOrNull,
    request: fc.integer({ min: 0, max: 0xffff_ffff }),
    args: json,
  }),
  fc.record({
    kind: fc.constant('hypercall' as const),
    name,
    code: fc.integer({ min: 0, max: 0xffff }),
    control: u64,
    input: page,
    status: u64,
    repsCompleted: fc.integer({ min: 0, max: 0xffff_ffff }),
    output: fc.option(page, { nil: null }),
    window: idOrNull,
    op: name,
  }),
  fc.record({ kind: fc.constant('result' as const), id: idOrNull, op: name, outcome }),
  fc.record({ kind: fc.constant('snapshot' as const), state: json }),
);
