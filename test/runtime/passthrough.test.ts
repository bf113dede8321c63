import { describe, expect, it } from 'vitest';
import { vStart } from '../machines/drive.js';
import { HV_X64_REGISTER_GROUP } from '../../src/hv/flags/HvX64Register.js';
import { GetPartitionPropertyInput } from '../../src/hv/hypercalls/GetPartitionProperty.js';
import type { DevicePort, RootHvcallArgs } from '../../src/ports/DevicePort.js';
import { executeVpStateOp } from '../../src/runtime/executeVpStateOp.js';
import { passthrough } from '../../src/runtime/passthrough.js';
import type { VpSlot } from '../../src/runtime/Slots.js';

/** A DevicePort double whose MSHV_ROOT_HVCALL succeeds with `repsOf(asked)` reps completed. */
function device(repsOf: (asked: number) => number): { dev: DevicePort; calls: RootHvcallArgs[] } {
  const calls: RootHvcallArgs[] = [];
  const dev = {
    rootHvcall: (_fd: number, arg: RootHvcallArgs) => {
      calls.push(arg);
      return {
        ok: true,
        value: { status: 0, reps: repsOf(arg.reps), output: new Uint8Array(arg.outSz).fill(7) },
      };
    },
  } as unknown as DevicePort;
  return { dev, calls };
}

describe('passthrough: a rep call that completes fewer reps than asked (vmm-lifecycle-rules 5)', () => {
  it('rule 5: fewer reps than asked is EINTR, never partial output; all of them is the output', () => {
    const short = device((n) => n - 1);
    const list = new Uint8Array(12);
    const r = passthrough(
      short.dev,
      3,
      0x50,
      GetPartitionPropertyInput,
      { propertyCode: 0x30005 },
      48,
      3,
      list,
    );
    expect(r).toMatchObject({ ok: false, error: { errnoName: 'EINTR', op: 'MSHV_ROOT_HVCALL' } });
    expect(!r.ok && r.error.message).toContain('reps: the call completed 2 of 3 reps');
    const whole = passthrough(
      device((n) => n).dev,
      3,
      0x50,
      GetPartitionPropertyInput,
      { propertyCode: 0x30005 },
      48,
      3,
      list,
    );
    expect(whole).toEqual({ ok: true, value: new Uint8Array(48).fill(7) });
    // A simple call asks no reps and the driver reports none.
    expect(
      passthrough(device(() => 0).dev, 3, 0x44, GetPartitionPropertyInput, { propertyCode: 0x30005 }, 8).ok,
    ).toBe(true);
  });

  it('rule 5: GET_VP_REGISTERS answered with one rep short fails EINTR instead of returning part of the registers', () => {
    const { dev, calls } = device((n) => n - 1);
    const vp: VpSlot = {
      index: 0,
      fd: 9,
      name: 'vm0/vp0',
      snapshot: vStart(),
      run: null,
      registerPage: null,
    };
    const r = executeVpStateOp(dev, vp, {
      type: 'op',
      op: 'GET_VP_REGISTERS',
      args: { part: 'REGISTERS', vp: 0 },
    });
    expect(calls.map((c) => c.reps)).toEqual([HV_X64_REGISTER_GROUP.REGISTERS.length]);
    expect(r).toMatchObject({ ok: false, error: { errnoName: 'EINTR' } });
  });
});
