/**
 * HV_PORT_TYPE_*: the kind of a synic port. The driver creates only DOORBELL ports, one per
 * ioeventfd (inventory §c.11).
 *
 * @example
 * HV_PORT_TYPE.DOORBELL; // 4
 */
export const HV_PORT_TYPE = { MESSAGE: 1, EVENT: 2, MONITOR: 3, DOORBELL: 4 } as const;

/**
 * HV_DOORBELL_FLAG_*: the CONNECT_PORT doorbell trigger flags. The low three bits are the trigger
 * size code (ioeventfd `len` 0/1/2/4/8 → 0..4); TRIGGER_ANY_VALUE marks a wildcard (no datamatch).
 */
export const HV_DOORBELL_FLAG = {
  TRIGGER_SIZE_MASK: 0x7,
  TRIGGER_SIZE_ANY: 0x0,
  TRIGGER_SIZE_BYTE: 0x1,
  TRIGGER_SIZE_WORD: 0x2,
  TRIGGER_SIZE_DWORD: 0x3,
  TRIGGER_SIZE_QWORD: 0x4,
  TRIGGER_ANY_VALUE: 0x80000000,
} as const;
