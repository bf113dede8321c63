import { HypercallCode as C } from '../HypercallCode.js';

/**
 * Hypercall codes MSHV_ROOT_HVCALL passes through on a partition or VP fd, in the NEW driver
 * (15 codes; inventory §b.4 "Passthrough allow-list"). Anything else → -EINVAL.
 *
 * @example
 * PASSTHROUGH_ALLOWED_CODES.includes(0x8d); // true (SCRUB_PARTITION, NEW)
 */
export const PASSTHROUGH_ALLOWED_CODES: readonly number[] = [
  C.GET_PARTITION_PROPERTY,
  C.GET_PARTITION_PROPERTY_EX,
  C.SET_PARTITION_PROPERTY,
  C.INSTALL_INTERCEPT,
  C.GET_VP_REGISTERS,
  C.SET_VP_REGISTERS,
  C.TRANSLATE_VIRTUAL_ADDRESS,
  C.CLEAR_VIRTUAL_INTERRUPT,
  C.SCRUB_PARTITION,
  C.REGISTER_INTERCEPT_RESULT,
  C.ASSERT_VIRTUAL_INTERRUPT,
  C.GET_GPA_PAGES_ACCESS_STATES,
  C.SIGNAL_EVENT_DIRECT,
  C.POST_MESSAGE_DIRECT,
  C.GET_VP_CPUID_VALUES,
];

/** The allow-list as first merged (ORIG, 13 codes): NEW added GET_PARTITION_PROPERTY_EX and SCRUB_PARTITION. */
export const PASSTHROUGH_ALLOWED_CODES_ORIG: readonly number[] = [
  C.GET_PARTITION_PROPERTY,
  C.SET_PARTITION_PROPERTY,
  C.INSTALL_INTERCEPT,
  C.GET_VP_REGISTERS,
  C.SET_VP_REGISTERS,
  C.TRANSLATE_VIRTUAL_ADDRESS,
  C.CLEAR_VIRTUAL_INTERRUPT,
  C.REGISTER_INTERCEPT_RESULT,
  C.ASSERT_VIRTUAL_INTERRUPT,
  C.GET_GPA_PAGES_ACCESS_STATES,
  C.SIGNAL_EVENT_DIRECT,
  C.POST_MESSAGE_DIRECT,
  C.GET_VP_CPUID_VALUES,
];

/**
 * Codes allowed self-targeted on /dev/mshv (NEW only): the partition id is forced to
 * HV_PARTITION_ID_SELF.
 */
export const PASSTHROUGH_SELF_ALLOWED_CODES: readonly number[] = [
  C.GET_PARTITION_PROPERTY,
  C.GET_PARTITION_PROPERTY_EX,
];

/** Codes treated as asynchronous (may return CALL_PENDING); only through a partition fd (§c.9). */
export const PASSTHROUGH_ASYNC_CODES: readonly number[] = [C.SET_PARTITION_PROPERTY];
