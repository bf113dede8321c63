import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/log/canonicalJson.js';
import { decodeRecord } from '../../src/log/decodeRecord.js';
import { encodeRecord } from '../../src/log/encodeRecord.js';
import { RecordError } from '../../src/log/LogError.js';
import { RECORD_KINDS, type LogRecord } from '../../src/log/LogRecord.js';
import { recordArbitrary } from './recordArbitrary.js';
import { examples } from './recordExamples.js';

/** The encoded form through generic canonical JSON: what the hand-ordered encoder must equal. */
function genericCanonical(body: string): string {
  return canonicalJson(JSON.parse(body) as unknown);
}

/** A failed result whose driver reported `hvStatus`. */
function failedWithStatus(hvStatus: number): LogRecord {
  return {
    kind: 'result',
    id: 7,
    op: 'MSHV_SET_GUEST_MEMORY',
    outcome: {
      ok: false,
      errno: 5,
      errnoName: 'EIO',
      hvStatus,
      hvStatusName: null,
      hypercall: 'MAP_GPA_PAGES',
      message: 'MAP_GPA_PAGES failed',
    },
  };
}

describe('LogRecord encoding (canonical JSON, versioned per kind)', () => {
  it.each(RECORD_KINDS)('%s: decode(encode(r)) is r, and the body is canonical', (kind) => {
    const r = examples[kind];
    const body = encodeRecord(r);
    expect(decodeRecord(body)).toEqual(r);
    expect(body).toBe(genericCanonical(body));
    expect(JSON.parse(body)).toMatchObject({ kind, v: 1 });
  });

  it('writes u64 words as 0x + 16 hex digits and bytes as lowercase hex', () => {
    expect(JSON.parse(encodeRecord(examples.hypercall))).toMatchObject({
      control: '0x01fd00000000004b',
      status: '0x000001fd00000000',
      input: '0102ff',
      output: null,
    });
  });

  it('every record round-trips, and its hand-ordered body equals generic canonical JSON', () => {
    fc.assert(
      fc.property(recordArbitrary, (r) => {
        const body = encodeRecord(r);
        expect(body).toBe(genericCanonical(body));
        expect(decodeRecord(body)).toEqual(r);
        expect(encodeRecord(decodeRecord(body))).toBe(body);
      }),
    );
  });

  it('keeps an hvStatus wider than hv_result() as reported: a driver under test may report the whole status word (seed review point 9)', () => {
    const word = 0x20_0000_0000; // 32 reps completed in bits 32-43 of a SUCCESS word
    const r = failedWithStatus(word);
    const body = encodeRecord(r);
    expect(body).toContain(`"hvStatus":${word},`);
    expect(decodeRecord(body)).toEqual(r);
  });

  it('keeps a negative operation fd as issued: a bad fd passed as is (scenario-format: a negative eventfd; a step on a partition with no fd)', () => {
    for (const fd of [-1, -(2 ** 31), 2 ** 31 - 1]) {
      const r = { ...examples.operation, fd } as LogRecord;
      const body = encodeRecord(r);
      expect(body).toContain(`"fd":${fd},`);
      expect(decodeRecord(body)).toEqual(r);
    }
  });

  it.each([
    ['hypercall.code', { ...examples.hypercall, code: 0x10000 }, 'hypercall.code: 65536 does not fit u16'],
    [
      'operation.fd',
      { ...examples.operation, fd: 2 ** 31 },
      'operation.fd: 2147483648 is not an fd (an integer in [-2147483648, 2147483647])',
    ],
    [
      'operation.fd',
      { ...examples.operation, fd: 1.5 },
      'operation.fd: 1.5 is not an fd (an integer in [-2147483648, 2147483647])',
    ],
    [
      'hypercall.control',
      { ...examples.hypercall, control: 1n << 64n },
      'hypercall.control: 18446744073709551616 does not fit u64',
    ],
    [
      'hypercall.input',
      { ...examples.hypercall, input: new Uint8Array(4097) },
      'hypercall.input: 4097 bytes, above one page',
    ],
    [
      'operation.request',
      { ...examples.operation, request: -1 },
      'operation.request: -1 is not a non-negative integer',
    ],
    [
      'intent.args',
      { kind: 'intent', name: 'x', args: { gfn: 5n } },
      'intent.args.gfn: bigint 5n is not JSON',
    ],
    ['transition.to', { ...examples.transition, to: '' }, 'transition.to: expected a non-empty string'],
    ['kind', { kind: 'ioctl' }, "record.kind: 'ioctl' is not one of intent, transition"],
    [
      'result.outcome',
      { kind: 'result', id: 1, op: 'x', outcome: null },
      'result.outcome: expected { ok: true, value }',
    ],
    [
      'operation.partition',
      { ...examples.operation, partition: undefined },
      'operation.partition: expected a non-empty string',
    ],
    [
      'result.outcome.hvStatus',
      failedWithStatus(2 ** 53),
      'result.outcome.hvStatus: 9007199254740992 is not a non-negative integer',
    ],
  ])('rejects a bad %s at encode time, naming the field', (_field, r, message) => {
    expect(() => encodeRecord(r as LogRecord)).toThrow(message);
  });

  it.each([
    ['not JSON', '{"kind":', 'undecodable', 'body is not JSON'],
    ['unknown kind', '{"kind":"ioctl","v":1}', 'unknown-kind', "unknown kind 'ioctl'"],
    [
      'newer version',
      '{"kind":"snapshot","state":null,"v":2}',
      'record-version',
      'snapshot.v: version 2 is not supported (this build reads 1)',
    ],
    ['missing field', '{"kind":"snapshot","v":1}', 'undecodable', 'snapshot.state: missing'],
    [
      'extra field',
      '{"kind":"snapshot","state":null,"v":1,"x":0}',
      'undecodable',
      'snapshot.x: unknown field',
    ],
    [
      'short word',
      encodeRecord(examples.hypercall).replace('"0x01fd00000000004b"', '"0x4b"'),
      'undecodable',
      'hypercall.control: expected 0x + 16 lowercase hex digits (u64), found "0x4b"',
    ],
    [
      'odd hex',
      encodeRecord(examples.hypercall).replace('"0102ff"', '"0102f"'),
      'undecodable',
      'hypercall.input: expected lowercase hex bytes',
    ],
    [
      'an hvStatus past a safe integer',
      encodeRecord(examples.result).replace('"hvStatus":5', '"hvStatus":9007199254740992'),
      'undecodable',
      'result.outcome.hvStatus: expected a non-negative safe integer',
    ],
    [
      'an fd past a C int',
      encodeRecord(examples.operation).replace(/"fd":\d+/, '"fd":-2147483649'),
      'undecodable',
      'operation.fd: expected an fd (an integer in [-2147483648, 2147483647]) or null',
    ],
    [
      'bad outcome',
      encodeRecord(examples.result).replace('"ok":false', '"ok":0'),
      'undecodable',
      'result.outcome.ok: expected true or false',
    ],
  ])('decoding refuses %s, naming the field', (_what, body, problem, message) => {
    let error: unknown;
    try {
      decodeRecord(body);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RecordError);
    expect((error as RecordError).problem).toBe(problem);
    expect((error as RecordError).message).toContain(message);
  });
});
