/**
 * The HV_REGISTER_* names (u32) the driver reads and writes with GET/SET_VP_REGISTERS (inventory
 * §c.6, §c.12): the suspend registers of the hypervisor-scheduler run loop, the dispatch suspend of
 * teardown and the root signal count.
 *
 * @example
 * HV_REGISTER.VP_ROOT_SIGNAL_COUNT.toString(16); // '90014'
 */
export const HV_REGISTER = {
  EXPLICIT_SUSPEND: 0x00000000,
  INTERCEPT_SUSPEND: 0x00000001,
  DISPATCH_SUSPEND: 0x00000003,
  VP_ROOT_SIGNAL_COUNT: 0x00090014,
} as const;
