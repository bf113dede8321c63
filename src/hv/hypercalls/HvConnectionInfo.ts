import { Layout, u32, u64 } from '../Layout.js';

/**
 * hv_connection_info (32 bytes), modelled as its doorbell variant. `padding` @4 is an unnamed gap.
 * For an ioeventfd: gpa = addr, trigger value = datamatch, flags = size code | TRIGGER_ANY_VALUE.
 */
export const HvConnectionInfo = new Layout('hv_connection_info', 32, [
  u32('portType', 0),
  u64('doorbellGpa', 8),
  u64('doorbellTriggerValue', 16),
  u64('doorbellFlags', 24),
] as const);

/** HV_DOORBELL_FLAG_*: trigger size in bits 0–2, TRIGGER_ANY_VALUE for a wildcard ioeventfd. */
export const DoorbellFlag = {
  TRIGGER_SIZE_MASK: 0x7,
  TRIGGER_SIZE_ANY: 0,
  TRIGGER_SIZE_BYTE: 1,
  TRIGGER_SIZE_WORD: 2,
  TRIGGER_SIZE_DWORD: 3,
  TRIGGER_SIZE_QWORD: 4,
  TRIGGER_ANY_VALUE: 0x8000_0000,
} as const;
