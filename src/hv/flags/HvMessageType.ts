/**
 * HVMSG_* message types (u32) the driver handles (inventory §c.8). The x64 intercepts are
 * 0x8001xxxx; the scheduler messages are the root-scheduler kicks.
 *
 * @example
 * HVMSG.X64_HALT.toString(16); // '80010007'
 */
export const HVMSG = {
  NONE: 0x00000000,
  UNMAPPED_GPA: 0x80000000,
  GPA_INTERCEPT: 0x80000001,
  TIMER_EXPIRED: 0x80000010,
  OPAQUE_INTERCEPT: 0x8000003f,
  SYNIC_SINT_INTERCEPT: 0x80000061,
  ASYNC_CALL_COMPLETION: 0x80000070,
  SCHEDULER_VP_SIGNAL_BITSET: 0x80000100,
  SCHEDULER_VP_SIGNAL_PAIR: 0x80000101,
  X64_IO_PORT_INTERCEPT: 0x80010000,
  X64_MSR_INTERCEPT: 0x80010001,
  X64_CPUID_INTERCEPT: 0x80010002,
  X64_EXCEPTION_INTERCEPT: 0x80010003,
  X64_APIC_EOI: 0x80010004,
  X64_HALT: 0x80010007,
} as const;

export type HvMessageTypeName = keyof typeof HVMSG;

const nameByType = new Map<number, HvMessageTypeName>(
  (Object.entries(HVMSG) as [HvMessageTypeName, number][]).map(([n, v]) => [v, n]),
);

/**
 * The HVMSG name of a message type, or undefined when the driver does not know it (it warns once).
 *
 * @example
 * hvMessageTypeName(0x80000070); // 'ASYNC_CALL_COMPLETION'
 */
export function hvMessageTypeName(type: number): HvMessageTypeName | undefined {
  return nameByType.get(type);
}

/** Synthetic interrupt sources the driver programs (§c.10): SINT 0 intercepts, SINT 5 doorbells. */
export const SINT = { INTERCEPTION: 0, DOORBELL: 5 } as const;
