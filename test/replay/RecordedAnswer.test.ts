import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeRecord } from '../../src/log/encodeRecord.js';
import type { HypercallRecord, LogRecord } from '../../src/log/LogRecord.js';
import type { LoggedRecord } from '../../src/replay/LoggedRecord.js';
import { recordedAnswer } from '../../src/replay/RecordedAnswer.js';
import { recordArbitrary } from '../log/recordArbitrary.js';

const hypercalls = recordArbitrary.filter((r): r is HypercallRecord => r.kind === 'hypercall');

/** A passthrough GET_PARTITION_PROPERTY with 8 output bytes. */
const propertyCall: HypercallRecord = {
  kind: 'hypercall',
  name: 'GET_PARTITION_PROPERTY',
  code: 0x44,
  control: 0x44n,
  input: new Uint8Array(16),
  status: 0n,
  repsCompleted: 0,
  output: new Uint8Array(8).fill(0xab),
  window: 3,
  op: 'MSHV_ROOT_HVCALL',
};

/** A stored hypercall that throws when decoded: the answer must come from its text. */
function undecodable(body: string): LoggedRecord {
  return {
    seq: 7,
    kind: 'hypercall',
    body,
    get record(): LogRecord {
      throw new Error('decoded');
    },
  };
}

describe('recordedAnswer: the recorded hypervisor reads its answer from the stored text', () => {
  it('reads control, status and output of any canonical hypercall body by position, never decoding it (names and ops of any text)', () => {
    fc.assert(
      fc.property(hypercalls, (r) => {
        const a = recordedAnswer(undecodable(encodeRecord(r)));
        expect(a.control).toBe(r.control);
        expect(a.status).toBe(r.status);
        expect(a.output).toEqual(r.output);
        expect(a.inputLength).toBe(r.input.length);
        expect(a.inputIs(r.input)).toBe(true);
      }),
    );
  });

  it('compares the request as bytes: one changed byte, one more or one fewer is another input', () => {
    fc.assert(
      fc.property(hypercalls, fc.nat(), (r, at) => {
        const a = recordedAnswer(undecodable(encodeRecord(r)));
        expect(a.inputIs(new Uint8Array([...r.input, 0]))).toBe(false);
        if (r.input.length === 0) return;
        const changed = r.input.slice();
        const i = at % changed.length;
        changed[i] = changed[i]! ^ 1;
        expect(a.inputIs(changed)).toBe(false);
        expect(a.inputIs(r.input.subarray(1))).toBe(false);
      }),
    );
  });

  it('a body of another layout is decoded as before (so a damaged one is the LogError naming its seq)', () => {
    const r = propertyCall;
    const body = encodeRecord(r);
    for (const edited of [
      ` ${body}`,
      body.replace('"kind":"hypercall"', '"kind":"hyp\\u0065rcall"'),
      body.replace('"v":1', '"v":2'),
      body.replace('"output":"', '"output": "'),
      body.replace(/"status":"0x0+"/, '"status":"0X0000000000000000"'),
    ])
      expect(() => recordedAnswer(undecodable(edited))).toThrow('decoded');
    // Held in memory (no body): the record's own fields.
    const held = recordedAnswer({ seq: 1, kind: 'hypercall', record: r });
    expect([held.control, held.status, held.output, held.inputIs(r.input)]).toEqual([
      0x44n,
      0n,
      r.output,
      true,
    ]);
  });

  it('recordIs: the re-run’s record of the call is the stored one exactly when its canonical body is the stored body, judged field by field after the request was accepted (any field changed, one at a time)', () => {
    const change = fc.constantFrom(
      'code',
      'control',
      'input',
      'status',
      'repsCompleted',
      'output',
      'window',
      'name',
      'op',
      'none',
    );
    fc.assert(
      fc.property(hypercalls, change, fc.nat(), (r, field, n) => {
        const body = encodeRecord(r);
        const a = recordedAnswer(undecodable(body));
        expect(a.recordIs(r)).toBe(false); // no request accepted yet
        expect(a.inputIs(r.input)).toBe(true);
        const other: HypercallRecord = { ...r, ...changed(r, field, n) };
        expect(a.recordIs(other)).toBe(encodeRecord(other) === body);
        expect(a.recordIs(r)).toBe(true);
      }),
    );
  });

  it('recordIs holds only the request its own answer accepted: another answer’s request, a refused one, or a page written after the check is not vouched for', () => {
    const r: HypercallRecord = {
      kind: 'hypercall',
      name: 'MAP_GPA_PAGES',
      code: 0x4b,
      control: 0x0002_0000_0000_004bn,
      input: new Uint8Array(40).fill(7),
      status: 0n,
      repsCompleted: 2,
      output: null,
      window: 9,
      op: 'MSHV_SET_GUEST_MEMORY',
    };
    const first = recordedAnswer(undecodable(encodeRecord(r)));
    const second = recordedAnswer(undecodable(encodeRecord({ ...r, window: 10 })));
    expect(first.inputIs(r.input)).toBe(true);
    expect(second.inputIs(r.input)).toBe(true);
    expect(first.recordIs(r)).toBe(false); // the copy is the second answer's now
    expect(second.recordIs({ ...r, window: 10 })).toBe(true);
    const page = r.input.slice();
    expect(second.inputIs(page)).toBe(true);
    page[3] = 8; // the page changes between the check and the record
    expect(second.recordIs({ ...r, window: 10, input: page })).toBe(false);
    expect(second.inputIs(new Uint8Array(40))).toBe(false);
    expect(second.recordIs({ ...r, window: 10 })).toBe(false);
  });

  it('recordIs never vouches for a record encodeRecord refuses (compareRecord then throws naming the field)', () => {
    const r = propertyCall;
    const a = recordedAnswer(undecodable(encodeRecord(r)));
    expect(a.inputIs(r.input)).toBe(true);
    for (const bad of [
      { code: 68.5 },
      { window: -1 },
      { repsCompleted: 2 ** 32 },
      { name: '' },
      { op: 7 as unknown as string },
      { output: [0, 0, 0, 0, 0, 0, 0, 0] as unknown as Uint8Array },
    ])
      expect(a.recordIs({ ...r, ...bad })).toBe(false);
    expect(a.recordIs(r)).toBe(true);
    // A stored body no writer makes (a code above u16, a negative window) still never vouches for
    // the record that has those values: encodeRecord would refuse it.
    const wide = recordedAnswer(undecodable(encodeRecord(r).replace('"code":68', '"code":70000')));
    expect(wide.inputIs(r.input)).toBe(true);
    expect(wide.recordIs({ ...r, code: 70000 })).toBe(false);
    const far = recordedAnswer(undecodable(encodeRecord(r).replace('"window":3', '"window":-3')));
    expect(far.inputIs(r.input)).toBe(true);
    expect(far.recordIs({ ...r, window: -3 })).toBe(false);
  });
});

/** `r` with one field changed (`none`: an equal copy), from a seed `n`. */
function changed(r: HypercallRecord, field: string, n: number): Partial<HypercallRecord> {
  switch (field) {
    case 'code':
      return { code: (r.code + 1 + (n % 7)) & 0xffff };
    case 'control':
      return { control: r.control ^ (1n << BigInt(n % 64)) };
    case 'input': {
      if (r.input.length === 0) return { input: new Uint8Array([n & 0xff]) };
      const input = r.input.slice();
      input[n % input.length] = input[n % input.length]! ^ 0x10;
      return { input };
    }
    case 'status':
      return { status: r.status ^ (1n << BigInt(n % 64)) };
    case 'repsCompleted':
      return { repsCompleted: (r.repsCompleted + 1) % 2 ** 32 };
    case 'output':
      return { output: r.output === null ? new Uint8Array(1) : n % 2 === 0 ? null : r.output.subarray(1) };
    case 'window':
      return { window: r.window === null ? n : n % 2 === 0 ? null : r.window + 1 };
    case 'name':
      return { name: `${r.name}x` };
    case 'op':
      return { op: n % 2 === 0 ? r.name : `${r.op}"` };
    default:
      return { input: r.input.slice() };
  }
}
