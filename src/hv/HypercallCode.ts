/**
 * Hypercall call codes (hvgdk_mini.h / hvhdk_mini.h), inventory §b.4. The first block is the 41 the
 * mshv_root driver issues (directly or through the passthrough allow-list); the second block the
 * other codes the headers define, for decoding.
 */
export const HypercallCode = {
  CREATE_PARTITION: 0x0040,
  INITIALIZE_PARTITION: 0x0041,
  FINALIZE_PARTITION: 0x0042,
  DELETE_PARTITION: 0x0043,
  GET_PARTITION_PROPERTY: 0x0044,
  SET_PARTITION_PROPERTY: 0x0045,
  DEPOSIT_MEMORY: 0x0048,
  WITHDRAW_MEMORY: 0x0049,
  MAP_GPA_PAGES: 0x004b,
  UNMAP_GPA_PAGES: 0x004c,
  INSTALL_INTERCEPT: 0x004d,
  CREATE_VP: 0x004e,
  DELETE_VP: 0x004f,
  GET_VP_REGISTERS: 0x0050,
  SET_VP_REGISTERS: 0x0051,
  TRANSLATE_VIRTUAL_ADDRESS: 0x0052,
  CLEAR_VIRTUAL_INTERRUPT: 0x0056,
  DELETE_PORT: 0x0058,
  DISCONNECT_PORT: 0x005b,
  MAP_STATS_PAGE: 0x006c,
  UNMAP_STATS_PAGE: 0x006d,
  GET_SYSTEM_PROPERTY: 0x007b,
  NOTIFY_PORT_RING_EMPTY: 0x008b,
  SCRUB_PARTITION: 0x008d,
  REGISTER_INTERCEPT_RESULT: 0x0091,
  ASSERT_VIRTUAL_INTERRUPT: 0x0094,
  CREATE_PORT: 0x0095,
  CONNECT_PORT: 0x0096,
  SIGNAL_EVENT_DIRECT: 0x00c0,
  POST_MESSAGE_DIRECT: 0x00c1,
  DISPATCH_VP: 0x00c2,
  GET_GPA_PAGES_ACCESS_STATES: 0x00c9,
  ACQUIRE_SPARSE_SPA_PAGE_HOST_ACCESS: 0x00d7,
  RELEASE_SPARSE_SPA_PAGE_HOST_ACCESS: 0x00d8,
  MAP_VP_STATE_PAGE: 0x00e1,
  UNMAP_VP_STATE_PAGE: 0x00e2,
  GET_VP_STATE: 0x00e3,
  SET_VP_STATE: 0x00e4,
  GET_VP_CPUID_VALUES: 0x00f4,
  GET_PARTITION_PROPERTY_EX: 0x0101,
  MAP_STATS_PAGE2: 0x0131,
} as const;

/** Codes defined in the headers that mshv_root does not issue. */
export const OtherHypercallCode = {
  FLUSH_VIRTUAL_ADDRESS_SPACE: 0x0002,
  FLUSH_VIRTUAL_ADDRESS_LIST: 0x0003,
  NOTIFY_LONG_SPIN_WAIT: 0x0008,
  SEND_IPI: 0x000b,
  ENABLE_VP_VTL: 0x000f,
  FLUSH_VIRTUAL_ADDRESS_SPACE_EX: 0x0013,
  FLUSH_VIRTUAL_ADDRESS_LIST_EX: 0x0014,
  SEND_IPI_EX: 0x0015,
  GET_PARTITION_ID: 0x0046,
  POST_MESSAGE: 0x005c,
  SIGNAL_EVENT: 0x005d,
  POST_DEBUG_DATA: 0x0069,
  RETRIEVE_DEBUG_DATA: 0x006a,
  RESET_DEBUG_SESSION: 0x006b,
  ADD_LOGICAL_PROCESSOR: 0x0076,
  MAP_DEVICE_INTERRUPT: 0x007c,
  UNMAP_DEVICE_INTERRUPT: 0x007d,
  RETARGET_INTERRUPT: 0x007e,
  START_VP: 0x0099,
  GET_VP_INDEX_FROM_APIC_ID: 0x009a,
  FLUSH_GUEST_PHYSICAL_ADDRESS_SPACE: 0x00af,
  FLUSH_GUEST_PHYSICAL_ADDRESS_LIST: 0x00b0,
  MODIFY_SPARSE_GPA_PAGE_HOST_VISIBILITY: 0x00db,
  MMIO_READ: 0x0106,
  MMIO_WRITE: 0x0107,
} as const;

export type HypercallName = keyof typeof HypercallCode;
export type AnyHypercallName = HypercallName | keyof typeof OtherHypercallCode;

const nameByCode = new Map<number, AnyHypercallName>(
  (Object.entries({ ...HypercallCode, ...OtherHypercallCode }) as [AnyHypercallName, number][]).map(
    ([n, c]) => [c, n],
  ),
);

/**
 * The HVCALL name (without prefix) of a call code, or undefined for a code no header defines.
 *
 * @example
 * hypercallName(0x4b); // 'MAP_GPA_PAGES'
 */
export function hypercallName(code: number): AnyHypercallName | undefined {
  return nameByCode.get(code);
}

/**
 * True when `name` is a hypercall the model uses (a key of HypercallCode, not of OtherHypercallCode).
 *
 * @example
 * isHypercallName('MAP_GPA_PAGES'); // true; isHypercallName('POST_MESSAGE') is false (in OtherHypercallCode)
 */
export function isHypercallName(name: string): name is HypercallName {
  return Object.hasOwn(HypercallCode, name);
}
