import { describe, expect, it } from 'vitest';
import { fail, ok } from '../../src/pipeline/driver/IoctlResult.js';
import type { HypercallEvent } from '../../src/pipeline/HypercallRecorder.js';
import { decodeRecord } from '../../src/log/decodeRecord.js';
import { encodeRecord } from '../../src/log/encodeRecord.js';
import { hypercallRecordOf } from '../../src/log/hypercallRecordOf.js';
import { resultRecordOf } from '../../src/log/resultRecordOf.js';

describe('records from the pipeline', () => {
  it('a recorded hypercall keeps the words, bytes, window and op replay compares', () => {
    const e: HypercallEvent = {
      name: 'MAP_GPA_PAGES',
      code: 0x4b,
      control: 0x0003_0000_0001_004bn,
      fast: false,
      repCount: 3,
      repStart: 1,
      window: 7,
      input: new Uint8Array([1, 2, 3]),
      statusWord: 0x0000_0003_0000_0000n,
      result: 0,
      repsCompleted: 3,
      output: undefined,
      op: 'MSHV_SET_GUEST_MEMORY',
    };
    const r = hypercallRecordOf(e);
    expect(r).toEqual({
      kind: 'hypercall',
      name: 'MAP_GPA_PAGES',
      code: 0x4b,
      control: 0x0003_0000_0001_004bn,
      input: new Uint8Array([1, 2, 3]),
      status: 0x0000_0003_0000_0000n,
      repsCompleted: 3,
      output: null,
      window: 7,
      op: 'MSHV_SET_GUEST_MEMORY',
    });
    expect(decodeRecord(encodeRecord(r))).toEqual(r);
  });

  it('a result keeps the errno, the raw hypervisor status and the failing call, or the value', () => {
    const failed = resultRecordOf(
      3,
      'MSHV_CREATE_VP',
      fail('MSHV_CREATE_VP', 'EINVAL', 'vp_index 256 >= MSHV_MAX_VPS (256)'),
    );
    expect(failed.outcome).toEqual({
      ok: false,
      errno: 22,
      errnoName: 'EINVAL',
      hvStatus: null,
      hvStatusName: null,
      hypercall: null,
      message: 'vp_index 256 >= MSHV_MAX_VPS (256)',
    });
    const fromCall = resultRecordOf(4, 'MSHV_INITIALIZE_PARTITION', {
      ok: false,
      error: {
        errno: 5,
        errnoName: 'EIO',
        hvStatus: 0x1234,
        hvStatusName: '0x1234',
        hypercall: 'INITIALIZE_PARTITION',
        op: 'MSHV_INITIALIZE_PARTITION',
        message: 'INITIALIZE_PARTITION failed',
      },
    });
    expect(fromCall.outcome).toMatchObject({ hvStatus: 0x1234, hypercall: 'INITIALIZE_PARTITION' });
    const done = resultRecordOf(null, 'MSHV_CREATE_PARTITION', ok({ fd: 3 }));
    expect(done).toEqual({
      kind: 'result',
      id: null,
      op: 'MSHV_CREATE_PARTITION',
      outcome: { ok: true, value: { fd: 3 } },
    });
    for (const r of [failed, fromCall, done]) expect(decodeRecord(encodeRecord(r))).toEqual(r);
  });
});
