import { describe, expect, it } from 'vitest';
import { GetVpRegisters } from '../../src/hv/hypercalls/GetVpRegisters.js';
import { MapGpaPages } from '../../src/hv/hypercalls/MapGpaPages.js';
import {
  bytesDifferences,
  controlLine,
  describeRecord,
  statusLine,
} from '../../src/replay/describeRecord.js';

describe('divergence decoding with src/hv', () => {
  it('control and status words by field and name', () => {
    expect(controlLine(0x00fd01fd0000004bn)).toBe(
      'control 0x00fd01fd0000004b: code 0x004b, rep count 509, rep start 253, variable header 0 qwords, fast no',
    );
    expect(controlLine((1n << 60n) | 0x10046n)).toBe(
      'control 0x1000000000010046: code 0x0046, rep count 0, rep start 0, variable header 0 qwords, fast yes, reserved bits 0x1000000000000000',
    );
    expect(statusLine(0x0000_01fd_0000_000bn)).toBe(
      'status 0x000001fd0000000b: HV_STATUS_INSUFFICIENT_MEMORY (0x000b), reps completed 509',
    );
    expect(statusLine(0x1234n)).toBe(
      'status 0x0000000000001234: HV_STATUS_UNKNOWN_0x1234 (0x1234), reps completed 0',
    );
  });

  it('differing bytes named by header field, list element and reserved bytes', () => {
    const a = new Uint8Array(24 + 8 * 4);
    const b = a.slice();
    b[9] = 1; // targetGpaBase
    b[20] = 7; // padding after mapFlags
    b[24 + 8 * 3 + 2] = 0xff; // sourcePfn[3]
    const d = bytesDifferences(MapGpaPages, 'input', a, b);
    expect(d.expected).toEqual([
      'input: 3 byte(s) differ in 3 place(s)',
      '  [9, 10) hv_input_map_gpa_pages.targetGpaBase: 00',
      '  [20, 21) hv_input_map_gpa_pages.padding@20: 00',
      '  [50, 51) sourcePfn[3] byte 2: 00',
    ]);
    expect(d.actual.at(-1)).toBe('  [50, 51) sourcePfn[3] byte 2: ff');
    expect(bytesDifferences(MapGpaPages, 'input', a, a.slice())).toEqual({ expected: [], actual: [] });
    expect(bytesDifferences(GetVpRegisters, 'output', null, new Uint8Array(16)).actual).toEqual([
      'output 16 bytes',
    ]);
    const shorter = bytesDifferences(MapGpaPages, 'input', a, a.subarray(0, 32));
    expect(shorter.expected[0]).toBe('input: 56 bytes in the log, 32 in the replay');
  });

  it('every record kind has a one-glance description', () => {
    expect(
      describeRecord({ kind: 'intent', name: 'vp', args: { key: 'vm0', vp: 1, request: { type: 'RUN' } } }),
    ).toEqual(['intent vp {"key":"vm0","request":{"type":"RUN"},"vp":1}']);
    expect(
      describeRecord({
        kind: 'result',
        id: 4,
        op: 'MSHV_SET_GUEST_MEMORY',
        outcome: {
          ok: false,
          errno: 5,
          errnoName: 'EIO',
          hvStatus: 6,
          hvStatusName: 'ACCESS_DENIED',
          hypercall: 'MAP_GPA_PAGES',
          message: 'MAP_GPA_PAGES failed',
        },
      }),
    ).toEqual([
      'result 4 MSHV_SET_GUEST_MEMORY: failed EIO (5), HV_STATUS_ACCESS_DENIED (0x0006) from MAP_GPA_PAGES',
      'message "MAP_GPA_PAGES failed"',
    ]);
    expect(
      describeRecord({
        kind: 'operation',
        id: 2,
        name: 'close',
        fd: 7,
        partition: 'vm0',
        vp: 1,
        request: 0,
        args: {},
      })[0],
    ).toBe('operation 2 close on fd 7 (partition vm0, vp 1, request 0x00000000)');
  });
});
