import type { OpCommand } from '../MachineEmitted.js';

/** Every operation the VP machine names. */
export const VP_OPS = [
  /** §c.6: run until an intercept (OP_OK with `exit`) or a signal (OP_FAILED EINTR). */
  'MSHV_RUN_VP',
  /** §c.7: LAPIC, XSAVE, SIMP, SIEFP, synthetic timers. */
  'MSHV_GET_VP_STATE',
  'MSHV_SET_VP_STATE',
  /** GET/SET_VP_REGISTERS through the passthrough: register groups. */
  'GET_VP_REGISTERS',
  'SET_VP_REGISTERS',
  /**
   * VMM: signal the VP's thread out of MSHV_RUN_VP. There is no sticky cancel, so the runtime
   * re-signals until the run returns (vmm-lifecycle-rules 4); no result is expected.
   */
  'VP_KICK',
] as const;

/** An operation name of the VP machine. */
export type VpOp = (typeof VP_OPS)[number];

/** An operation the VP machine emits. */
export type VpCommand = OpCommand<VpOp>;
