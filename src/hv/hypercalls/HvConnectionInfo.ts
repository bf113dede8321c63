import { Layout, u32, u64 } from '../Layout.js';

/**
 * hv_connection_info (32 bytes), modelled as its doorbell variant. `padding` @4 is an unnamed gap. For an
 * ioeventfd: gpa = addr, trigger value = datamatch, flags = HV_DOORBELL_FLAG size code | TRIGGER_ANY_VALUE
 * (src/hv/flags).
 */
export const HvConnectionInfo = new Layout('hv_connection_info', 32, [
  u32('portType', 0),
  u64('doorbellGpa', 8),
  u64('doorbellTriggerValue', 16),
  u64('doorbellFlags', 24),
] as const);
