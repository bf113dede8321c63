import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HV_PARTITION_CREATION_FLAG } from '../../../src/hv/flags/HvPartitionCreationFlag.js';
import {
  MSHV_GPAP_ACCESS_OP,
  MSHV_GPAP_ACCESS_TYPE,
  MSHV_HV_PAGE_SIZE,
  MSHV_IOEVENTFD_BIT,
  MSHV_IOEVENTFD_FLAGS_MASK,
  MSHV_IRQFD_BIT,
  MSHV_IRQFD_FLAGS_MASK,
  MSHV_MAX_GUEST_IRQS,
  MSHV_MAX_VPS,
  MSHV_NUM_CPU_FEATURES_BANKS,
  MSHV_PT_BIT,
  MSHV_PT_BIT_ORIG,
  MSHV_PT_FLAGS_MASK,
  MSHV_PT_FLAGS_MASK_ORIG,
  MSHV_PT_ISOLATION,
  MSHV_RUN_VP_BUF_SZ,
  MSHV_SET_MEM_BIT,
  MSHV_SET_MEM_FLAGS_MASK,
  MSHV_VP_MMAP_OFFSET,
  MSHV_VP_STATE,
  MSHV_VP_STATE_TO_HV,
  ptFlagsToCreationFlags,
  vpStateRequiredBytes,
} from '../../../src/hv/uapi/flags.js';
import { loadFacts } from './loadFacts.js';

const facts = loadFacts();
const fe = facts.flags_enums;
const lim = facts.limits;

/** A mask with bits 0..count-1: what each `*_FLAGS_MASK` is derived from in the header. */
const maskOf = (e: { COUNT: number }): number => (1 << e.COUNT) - 1;

describe('uapi flag bits and enums (inventory §a.5, facts flags_enums)', () => {
  it('equals the facts values', () => {
    expect(MSHV_PT_BIT).toEqual(fe.MSHV_PT_BIT);
    expect({ NEW: MSHV_PT_FLAGS_MASK, ORIG: MSHV_PT_FLAGS_MASK_ORIG }).toEqual(fe.MSHV_PT_FLAGS_MASK);
    expect(MSHV_PT_ISOLATION).toEqual(fe.MSHV_PT_ISOLATION);
    expect(MSHV_NUM_CPU_FEATURES_BANKS).toBe(fe.MSHV_NUM_CPU_FEATURES_BANKS);
    expect(MSHV_SET_MEM_BIT).toEqual(fe.MSHV_SET_MEM_BIT);
    expect(MSHV_SET_MEM_FLAGS_MASK).toBe(fe.MSHV_SET_MEM_FLAGS_MASK);
    expect(MSHV_IRQFD_BIT).toEqual(fe.MSHV_IRQFD_BIT);
    expect(MSHV_IRQFD_FLAGS_MASK).toBe(fe.MSHV_IRQFD_FLAGS_MASK);
    expect(MSHV_IOEVENTFD_BIT).toEqual(fe.MSHV_IOEVENTFD_BIT);
    expect(MSHV_IOEVENTFD_FLAGS_MASK).toBe(fe.MSHV_IOEVENTFD_FLAGS_MASK);
    expect(MSHV_GPAP_ACCESS_TYPE).toEqual(fe.MSHV_GPAP_ACCESS_TYPE);
    expect(MSHV_GPAP_ACCESS_OP).toEqual(fe.MSHV_GPAP_ACCESS_OP);
    expect(MSHV_VP_MMAP_OFFSET).toEqual(fe.MSHV_VP_MMAP_OFFSET);
    expect(MSHV_VP_STATE).toEqual(fe.MSHV_VP_STATE);
    expect(MSHV_RUN_VP_BUF_SZ).toBe(fe.MSHV_RUN_VP_BUF_SZ);
    expect(MSHV_HV_PAGE_SIZE).toBe(fe.MSHV_HV_PAGE_SIZE);
  });

  it('derives every flags mask from its COUNT, NEW and ORIG (inventory §a.5)', () => {
    expect(MSHV_PT_FLAGS_MASK).toBe(maskOf(MSHV_PT_BIT));
    expect(MSHV_PT_FLAGS_MASK_ORIG).toBe(maskOf(MSHV_PT_BIT_ORIG));
    expect(MSHV_SET_MEM_FLAGS_MASK).toBe(maskOf(MSHV_SET_MEM_BIT));
    expect(MSHV_IRQFD_FLAGS_MASK).toBe(maskOf(MSHV_IRQFD_BIT));
    expect(MSHV_IOEVENTFD_FLAGS_MASK).toBe(maskOf(MSHV_IOEVENTFD_BIT));
  });

  it('keeps the driver limits of facts limits', () => {
    expect(MSHV_MAX_VPS).toBe(lim.MSHV_MAX_VPS);
    expect(MSHV_MAX_GUEST_IRQS).toBe(lim.MSHV_MAX_GUEST_IRQS);
  });
});

describe('VP state sizes (inventory §c.7, facts limits.vp_state_sizes)', () => {
  const sizes = lim.vp_state_sizes as Record<string, number | string>;

  it('needs 4096 for LAPIC/SIMP/SIEFP, 200 for synthetic timers and the property value for XSAVE', () => {
    for (const name of ['LAPIC', 'SIMP', 'SIEFP', 'SYNTHETIC_TIMERS'] as const) {
      expect(vpStateRequiredBytes(MSHV_VP_STATE[name], 0)).toBe(sizes[name]);
    }
    expect(sizes.XSAVE).toMatch(/MAX_XSAVE_DATA_SIZE/);
    expect(vpStateRequiredBytes(MSHV_VP_STATE.XSAVE, 2696)).toBe(2696);
  });

  it('rejects a type at or above MSHV_VP_STATE_COUNT, naming the field', () => {
    expect(() => vpStateRequiredBytes(5, 0)).toThrow(/mshv_get_set_vp_state\.type: 5/);
    expect(() => vpStateRequiredBytes(-1, 0)).toThrow(/mshv_get_set_vp_state\.type/);
  });

  it('lowers each state to its hypervisor GET/SET_VP_STATE type', () => {
    const hv = fe.HV_GET_SET_VP_STATE as Record<string, number>;
    expect(MSHV_VP_STATE_TO_HV).toEqual({
      LAPIC: hv.LAPIC_STATE,
      XSAVE: hv.XSAVE,
      SIMP: hv.SIM_PAGE,
      SIEFP: hv.SIEF_PAGE,
      SYNTHETIC_TIMERS: hv.SYNTHETIC_TIMERS,
    });
  });
});

describe('ptFlagsToCreationFlags (inventory §a.5, §c.2)', () => {
  const hvBit = (name: keyof typeof HV_PARTITION_CREATION_FLAG): bigint =>
    1n << BigInt(HV_PARTITION_CREATION_FLAG[name]);
  const ALWAYS = hvBit('EXO_PARTITION') | hvBit('INTERCEPT_MESSAGE_PAGE_ENABLED');
  const PER_BIT: readonly bigint[] = [
    hvBit('LAPIC_ENABLED'), // LAPIC → 13
    hvBit('X2APIC_CAPABLE'), // X2APIC → 22
    hvBit('GPA_SUPER_PAGES_ENABLED'), // GPA_SUPER_PAGES → 4
    0n, // CPU_AND_XSAVE_FEATURES: no hypervisor flag
    hvBit('NESTED_VIRTUALIZATION_CAPABLE'), // NESTED → 1
    hvBit('SMT_ENABLED_GUEST'), // SMT → 0
  ];

  it('sets EXO_PARTITION (bit 8) and INTERCEPT_MESSAGE_PAGE_ENABLED (bit 19) always', () => {
    expect(fe.always_set_creation_flags).toEqual(['EXO_PARTITION', 'INTERCEPT_MESSAGE_PAGE_ENABLED']);
    expect(ptFlagsToCreationFlags(0n)).toBe((1n << 8n) | (1n << 19n));
  });

  it('maps each MSHV_PT_BIT to its hypervisor bit', () => {
    expect(ptFlagsToCreationFlags(1n << 0n)).toBe(ALWAYS | (1n << 13n));
    expect(ptFlagsToCreationFlags(1n << 1n)).toBe(ALWAYS | (1n << 22n));
    expect(ptFlagsToCreationFlags(1n << 2n)).toBe(ALWAYS | (1n << 4n));
    expect(ptFlagsToCreationFlags(1n << 3n)).toBe(ALWAYS);
    expect(ptFlagsToCreationFlags(1n << 4n)).toBe(ALWAYS | (1n << 1n));
    expect(ptFlagsToCreationFlags(1n << 5n)).toBe(ALWAYS | (1n << 0n));
  });

  it('ORs the flags of any combination of known bits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x3f }), (pt) => {
        let want = ALWAYS;
        PER_BIT.forEach((b, i) => {
          if ((pt >> i) & 1) want |= b;
        });
        expect(ptFlagsToCreationFlags(BigInt(pt))).toBe(want);
      }),
    );
  });

  it('rejects any bit outside MSHV_PT_FLAGS_MASK, naming the lowest unknown bit', () => {
    expect(() => ptFlagsToCreationFlags(1n << 6n)).toThrow(/pt_flags: bit 6 is not a known MSHV_PT_BIT/);
    expect(() => ptFlagsToCreationFlags((1n << 63n) | 1n)).toThrow(/bit 63/);
    expect(() => ptFlagsToCreationFlags(-1n)).toThrow(/not an unsigned 64-bit value/);
    fc.assert(
      fc.property(fc.bigInt({ min: 6n, max: 63n }), fc.bigInt({ min: 0n, max: 0x3fn }), (b, low) => {
        expect(() => ptFlagsToCreationFlags((1n << b) | low)).toThrow(new RegExp(`bit ${b} `));
      }),
    );
  });
});
