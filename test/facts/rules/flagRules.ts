/**
 * Facts rules for flags and enums (inventory §a.5, §b, §c): each facts table against the code's
 * table of the same meaning, key by key.
 */
import { expect } from 'vitest';
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
import { HVMSG, SINT } from '../../../src/hv/flags/HvMessageType.js';
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
} from '../../../src/hv/flags/HvVpState.js';
import { MSHV_VP_RUN_FLAGS_FIELDS } from '../../../src/hv/flags/VpRunFlags.js';
import { HV_ANY_VP, HV_PARTITION_ID_SELF } from '../../../src/hv/ids.js';
import * as uapi from '../../../src/hv/uapi/flags.js';
import { camel } from '../../hv/uapi/loadFacts.js';
import { big, type FactRule, keyOf, num, segment, str } from '../FactRule.js';

/** Facts enum tables → the code's table (same keys). */
const TABLES: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  MSHV_PT_BIT: uapi.MSHV_PT_BIT,
  MSHV_PT_ISOLATION: uapi.MSHV_PT_ISOLATION,
  MSHV_SET_MEM_BIT: uapi.MSHV_SET_MEM_BIT,
  MSHV_IRQFD_BIT: uapi.MSHV_IRQFD_BIT,
  MSHV_IOEVENTFD_BIT: uapi.MSHV_IOEVENTFD_BIT,
  MSHV_GPAP_ACCESS_TYPE: uapi.MSHV_GPAP_ACCESS_TYPE,
  MSHV_GPAP_ACCESS_OP: uapi.MSHV_GPAP_ACCESS_OP,
  MSHV_VP_MMAP_OFFSET: uapi.MSHV_VP_MMAP_OFFSET,
  MSHV_VP_STATE: uapi.MSHV_VP_STATE,
  MSHV_PT_FLAGS_MASK: { NEW: uapi.MSHV_PT_FLAGS_MASK, ORIG: uapi.MSHV_PT_FLAGS_MASK_ORIG },
  HV_PARTITION_CREATION_FLAG_bits: HV_PARTITION_CREATION_FLAG,
  HV_PARTITION_ISOLATION_TYPE,
  HV_MAP_GPA,
  HV_MODIFY_SPA_PAGE_HOST_ACCESS,
  HV_DOORBELL_FLAG,
  HV_DISPATCH_VP_FLAG,
  HV_VP_DISPATCH_STATE,
  HV_VP_DISPATCH_EVENT,
  HV_REGISTER,
  HV_VP_STATE_PAGE,
  HV_GET_SET_VP_STATE: { ...HV_GET_SET_VP_STATE, TYPE_PFN_BIT: HV_GET_SET_VP_STATE_TYPE_PFN_BIT },
  HV_PARTITION_PROPERTY,
  HV_SCHEDULER_TYPE,
  HV_STATS_OBJECT,
  HV_STATS_AREA,
  VpRootDispatchThreadBlocked_counter_index: {
    ORIG_x86: VP_ROOT_DISPATCH_THREAD_BLOCKED_COUNTER_ORIG.x86_64,
    NEW_x86: VP_ROOT_DISPATCH_THREAD_BLOCKED_COUNTER.x86_64,
    ORIG_arm64: VP_ROOT_DISPATCH_THREAD_BLOCKED_COUNTER_ORIG.arm64,
    NEW_arm64: VP_ROOT_DISPATCH_THREAD_BLOCKED_COUNTER.arm64,
  },
  HV_PORT_TYPE,
  HVMSG,
  SINT,
  CPUID_0x40000003_ECX: CPUID_0X40000003_ECX_BIT,
};

/** Facts scalars → the code's constant. */
const SCALARS: Readonly<Record<string, number>> = {
  MSHV_NUM_CPU_FEATURES_BANKS: uapi.MSHV_NUM_CPU_FEATURES_BANKS,
  MSHV_SET_MEM_FLAGS_MASK: uapi.MSHV_SET_MEM_FLAGS_MASK,
  MSHV_IRQFD_FLAGS_MASK: uapi.MSHV_IRQFD_FLAGS_MASK,
  MSHV_IOEVENTFD_FLAGS_MASK: uapi.MSHV_IOEVENTFD_FLAGS_MASK,
  MSHV_RUN_VP_BUF_SZ: uapi.MSHV_RUN_VP_BUF_SZ,
  MSHV_HV_PAGE_SIZE: uapi.MSHV_HV_PAGE_SIZE,
  HV_COMPATIBILITY_21_H2,
  HV_UNMAP_GPA_LARGE_PAGE,
  HV_SYSTEM_PROPERTY_SCHEDULER_TYPE,
  HV_ANY_VP,
};

export const flagRules: readonly FactRule[] = [
  {
    path: 'flags_enums.*.*',
    by: 'src/hv/uapi/flags.ts and src/hv/flags/*.ts tables, key by key',
    check: (leaf) => {
      const table = TABLES[String(segment(leaf, 1))];
      expect(table, String(segment(leaf, 1))).toBeDefined();
      expect(table?.[keyOf(leaf)]).toBe(num(leaf));
    },
  },
  {
    path: 'flags_enums.*',
    by: 'the code constant of the same name (src/hv/uapi/flags.ts, src/hv/flags, src/hv/ids.ts)',
    check: (leaf) => {
      const key = keyOf(leaf);
      if (key === 'HV_PARTITION_ID_SELF') {
        expect(big(str(leaf))).toBe(HV_PARTITION_ID_SELF);
        return;
      }
      expect(SCALARS[key], key).toBe(num(leaf));
    },
  },
  {
    path: 'flags_enums.always_set_creation_flags[*]',
    by: 'HV_PARTITION_CREATION_FLAGS_ALWAYS_SET, and ptFlagsToCreationFlags(0) sets exactly them',
    check: (leaf) => {
      expect(HV_PARTITION_CREATION_FLAGS_ALWAYS_SET).toContain(leaf.value);
      const bit = HV_PARTITION_CREATION_FLAG[str(leaf) as keyof typeof HV_PARTITION_CREATION_FLAG];
      expect((uapi.ptFlagsToCreationFlags(0n) >> BigInt(bit)) & 1n).toBe(1n);
    },
  },
  {
    path: 'flags_enums.mshv_vp_run_flags_bitfield.*[*]',
    by: 'MSHV_VP_RUN_FLAGS_FIELDS: [lsb, width] per field',
    check: (leaf) => {
      const f = MSHV_VP_RUN_FLAGS_FIELDS.find((x) => x.name === camel(String(segment(leaf, 1))));
      expect(leaf.key === 0 ? f?.lsb : f?.width).toBe(num(leaf));
    },
  },
];
