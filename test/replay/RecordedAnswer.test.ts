import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeRecord } from '../../src/log/encodeRecord.js';
import type { HypercallRecord, LogRecord } from '../../src/log/LogRecord.js';
import type { LoggedRecord } from '../../src/replay/LoggedRecord.js';
import { recordedAnswer } from '../../src/replay/RecordedAnswer.js';
import { recordArbitrary } from '../log/recordArbitrary.js';

const hypercalls = recordArbitrary.filter((r): r is HypercallRecord => r.kind === 'hypercall');

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
    const r: HypercallRecord = {
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
});
