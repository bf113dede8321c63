import { describe, expect, it } from 'vitest';
import { BitField } from '../../../src/hv/BitField.js';
import {
  CPUID_0X40000003_ECX_BIT,
  HV_DISPATCH_VP_FLAG,
  HV_VP_DISPATCH_EVENT,
  HV_VP_DISPATCH_STATE,
} from '../../../src/hv/flags/HvDispatchVp.js';
import {
  HV_MAP_GPA,
  HV_MODIFY_SPA_PAGE_HOST_ACCESS,
  HV_UNMAP_GPA_LARGE_PAGE,
} from '../../../src/hv/flags/HvMapGpaFlag.js';
import { HVMSG, hvMessageTypeName, SINT } from '../../../src/hv/flags/HvMessageType.js';
import {
  HV_COMPATIBILITY_21_H2,
  HV_PARTITION_CREATION_FLAG,
  HV_PARTITION_CREATION_FLAGS_ALWAYS_SET,
  HV_PARTITION_ISOLATION_TYPE,
} from '../../../src/hv/flags/HvPartitionCreationFlag.js';
import {
  HV_PARTITION_PROPERTY,
  HV_SCHEDULER_TYPE,
  HV_SYSTEM_PROPERTY_SCHEDULER_TYPE,
} from '../../../src/hv/flags/HvPartitionProperty.js';
import { HV_DOORBELL_FLAG, HV_PORT_TYPE } from '../../../src/hv/flags/HvPortType.js';
import { HV_REGISTER } from '../../../src/hv/flags/HvRegisterName.js';
import {
  HV_STATS_AREA,
  HV_STATS_OBJECT,
  VP_ROOT_DISPATCH_THREAD_BLOCKED_COUNTER,
  VP_ROOT_DISPATCH_THREAD_BLOCKED_COUNTER_ORIG,
} from '../../../src/hv/flags/HvStats.js';
import {
  HV_GET_SET_VP_STATE,
  HV_GET_SET_VP_STATE_TYPE_PFN_BIT,
  HV_VP_STATE_PAGE,
  isPfnVpStateType,
} from '../../../src/hv/flags/HvVpState.js';
import {
  PASSTHROUGH_ALLOWED_CODES,
  PASSTHROUGH_ALLOWED_CODES_ORIG,
  PASSTHROUGH_ASYNC_CODES,
  PASSTHROUGH_SELF_ALLOWED_CODES,
} from '../../../src/hv/flags/PassthroughAllowList.js';
import { defineWord64, MSHV_VP_RUN_FLAGS_FIELDS, MshvVpRunFlags } from '../../../src/hv/flags/VpRunFlags.js';
import { camel, loadFacts } from '../uapi/loadFacts.js';

const facts = loadFacts();
const fe = facts.flags_enums;

describe('hypervisor-side flags and enums (facts flags_enums)', () => {
  it('partition creation: flag bits, always-set list, compatibility 21H2, isolation types', () => {
    expect(HV_PARTITION_CREATION_FLAG).toEqual(fe.HV_PARTITION_CREATION_FLAG_bits);
    expect(HV_PARTITION_CREATION_FLAGS_ALWAYS_SET).toEqual(fe.always_set_creation_flags);
    expect(HV_COMPATIBILITY_21_H2).toBe(0x0609);
    expect(HV_COMPATIBILITY_21_H2).toBe(fe.HV_COMPATIBILITY_21_H2);
    expect(HV_PARTITION_ISOLATION_TYPE).toEqual(fe.HV_PARTITION_ISOLATION_TYPE);
  });

  it('GPA map/unmap and SPA host-access flags', () => {
    expect(HV_MAP_GPA).toEqual(fe.HV_MAP_GPA);
    expect(HV_MAP_GPA.EXECUTABLE).toBe(HV_MAP_GPA.KERNEL_EXECUTABLE | HV_MAP_GPA.USER_EXECUTABLE);
    expect(HV_UNMAP_GPA_LARGE_PAGE).toBe(fe.HV_UNMAP_GPA_LARGE_PAGE);
    expect(HV_MODIFY_SPA_PAGE_HOST_ACCESS).toEqual(fe.HV_MODIFY_SPA_PAGE_HOST_ACCESS);
  });

  it('doorbell, port types and SINTs (inventory §c.10, §c.11)', () => {
    expect(HV_DOORBELL_FLAG).toEqual(fe.HV_DOORBELL_FLAG);
    expect(HV_PORT_TYPE).toEqual(fe.HV_PORT_TYPE);
    expect(SINT).toEqual(fe.SINT);
  });

  it('DISPATCH_VP flags, dispatch state and event, CPUID bits (inventory §c.6)', () => {
    expect(HV_DISPATCH_VP_FLAG).toEqual(fe.HV_DISPATCH_VP_FLAG);
    expect(HV_VP_DISPATCH_STATE).toEqual(fe.HV_VP_DISPATCH_STATE);
    expect(HV_VP_DISPATCH_EVENT).toEqual(fe.HV_VP_DISPATCH_EVENT);
    expect(CPUID_0X40000003_ECX_BIT).toEqual(fe.CPUID_0x40000003_ECX);
  });

  it('register names', () => {
    expect(HV_REGISTER).toEqual(fe.HV_REGISTER);
    expect(HV_REGISTER.VP_ROOT_SIGNAL_COUNT).toBe(0x90014);
  });

  it('VP state pages and GET/SET_VP_STATE types; PFN types have bit 31 (inventory §c.7)', () => {
    expect(HV_VP_STATE_PAGE).toEqual(fe.HV_VP_STATE_PAGE);
    const { TYPE_PFN_BIT, ...types } = fe.HV_GET_SET_VP_STATE as Record<string, number>;
    expect(HV_GET_SET_VP_STATE_TYPE_PFN_BIT).toBe(TYPE_PFN_BIT);
    expect(HV_GET_SET_VP_STATE).toEqual(types);
    expect(Object.values(HV_GET_SET_VP_STATE).map(isPfnVpStateType)).toEqual([true, true, true, true, false]);
  });

  it('partition properties, scheduler property and types (inventory §c.1)', () => {
    expect(HV_PARTITION_PROPERTY).toEqual(fe.HV_PARTITION_PROPERTY);
    expect(HV_SYSTEM_PROPERTY_SCHEDULER_TYPE).toBe(fe.HV_SYSTEM_PROPERTY_SCHEDULER_TYPE);
    expect(HV_SCHEDULER_TYPE).toEqual(fe.HV_SCHEDULER_TYPE);
  });

  it('stats objects, areas and the RootDispatchThreadBlocked index: NEW 202 by default, ORIG 201', () => {
    expect(HV_STATS_OBJECT).toEqual(fe.HV_STATS_OBJECT);
    expect(HV_STATS_AREA).toEqual(fe.HV_STATS_AREA);
    const idx = fe.VpRootDispatchThreadBlocked_counter_index as Record<string, number>;
    expect(VP_ROOT_DISPATCH_THREAD_BLOCKED_COUNTER).toEqual({ x86_64: idx.NEW_x86, arm64: idx.NEW_arm64 });
    expect(VP_ROOT_DISPATCH_THREAD_BLOCKED_COUNTER_ORIG).toEqual({
      x86_64: idx.ORIG_x86,
      arm64: idx.ORIG_arm64,
    });
    expect(VP_ROOT_DISPATCH_THREAD_BLOCKED_COUNTER.x86_64).toBe(202);
  });

  it('message types, with a reverse lookup for the ISR', () => {
    expect(HVMSG).toEqual(fe.HVMSG);
    expect(hvMessageTypeName(0x80000070)).toBe('ASYNC_CALL_COMPLETION');
    expect(hvMessageTypeName(0x80010005)).toBeUndefined();
  });
});

describe('passthrough allow-lists (inventory §b.4, facts passthrough_allowlist)', () => {
  const pl = facts.passthrough_allowlist;

  it('NEW is the default (15 codes); ORIG keeps 13; self-targeted 2; async only 0x45', () => {
    expect(PASSTHROUGH_ALLOWED_CODES).toEqual(pl.NEW);
    expect(PASSTHROUGH_ALLOWED_CODES).toHaveLength(15);
    expect(PASSTHROUGH_ALLOWED_CODES_ORIG).toEqual(pl.ORIG);
    expect(PASSTHROUGH_ALLOWED_CODES_ORIG).toHaveLength(13);
    expect(PASSTHROUGH_SELF_ALLOWED_CODES).toEqual(pl.NEW_self_devmshv);
    expect(PASSTHROUGH_ASYNC_CODES).toEqual([0x45]);
    expect(PASSTHROUGH_ASYNC_CODES).toEqual(pl.async);
  });

  it('NEW adds exactly GET_PARTITION_PROPERTY_EX (0x101) and SCRUB_PARTITION (0x8d)', () => {
    const added = PASSTHROUGH_ALLOWED_CODES.filter((c) => !PASSTHROUGH_ALLOWED_CODES_ORIG.includes(c));
    expect(added.sort((a, b) => a - b)).toEqual([0x8d, 0x101]);
    for (const c of PASSTHROUGH_SELF_ALLOWED_CODES) expect(PASSTHROUGH_ALLOWED_CODES).toContain(c);
  });
});

describe('VP run flags word (inventory §c.6, seed review point 1)', () => {
  it('has the facts fields and widths that sum to exactly 64', () => {
    const want = Object.entries(fe.mshv_vp_run_flags_bitfield as Record<string, [number, number]>).map(
      ([name, [lsb, width]]) => ({ name: camel(name), lsb, width }),
    );
    expect(MSHV_VP_RUN_FLAGS_FIELDS).toEqual(want);
    expect(MSHV_VP_RUN_FLAGS_FIELDS.reduce((n, f) => n + f.width, 0)).toBe(64);
  });

  it('rejects the v5 patch layout, which allocated 65 bits (reserved:62)', () => {
    const v5 = MSHV_VP_RUN_FLAGS_FIELDS.map((f) => (f.name === 'reserved' ? { ...f, width: 62 } : f));
    expect(() => defineWord64('mshv_vp_run_flags', v5)).toThrow(/sum to 65 bits/);
    const short = MSHV_VP_RUN_FLAGS_FIELDS.map((f) => (f.name === 'reserved' ? { ...f, width: 60 } : f));
    expect(() => defineWord64('w', short)).toThrow(/sum to 63 bits/);
    expect(() =>
      defineWord64('w', [
        { name: 'a', lsb: 0, width: 1 },
        { name: 'b', lsb: 2, width: 62 },
      ]),
    ).toThrow(/w\.b: starts at bit 2, expected 1/);
  });

  it('reads and writes each flag at its bit', () => {
    expect(MshvVpRunFlags.interceptSuspend).toBeInstanceOf(BitField);
    let w = MshvVpRunFlags.rootSchedDispatched.set(0n, 1n);
    w = MshvVpRunFlags.interceptSuspend.set(w, 1n);
    expect(w).toBe(0b101n);
    expect(MshvVpRunFlags.rootSchedBlocked.get(w)).toBe(0n);
    expect(MshvVpRunFlags.reserved.mask).toBe(~0b111n & 0xffff_ffff_ffff_ffffn);
  });
});
