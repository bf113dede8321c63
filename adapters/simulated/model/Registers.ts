import { HV_REGISTER } from '../../../src/hv/flags/HvRegisterName.js';
import { HvStatus } from '../../../src/hv/HvStatus.js';
import { hypervisorScheduled, signalVp } from './Guest.js';
import type { HvModel } from './HvModel.js';
import type { Partition } from './Partition.js';
import type { Vp } from './Vp.js';

/**
 * Register names the model accepts, as [first, last] ranges of hvgdk_mini.h HV_REGISTER_* groups:
 * suspend registers, pending-interruption/event registers, x64 general, XMM/FP, control, debug,
 * segment and table registers, MSRs, the misc group holding VP_ROOT_SIGNAL_COUNT, SynIC and synthetic
 * timer registers. Any other name is INVALID_PARAMETER, as on the real hypervisor for an unknown name.
 */
export const REGISTER_NAME_RANGES: readonly (readonly [number, number])[] = [
  [0x0000_0000, 0x0000_0003],
  [0x0001_0000, 0x0001_000f],
  [0x0002_0000, 0x0002_0011],
  [0x0003_0000, 0x0003_001f],
  [0x0004_0000, 0x0004_000f],
  [0x0005_0000, 0x0005_000f],
  [0x0006_0000, 0x0006_000f],
  [0x0007_0000, 0x0007_000f],
  [0x0008_0000, 0x0008_00ff],
  [0x0009_0000, 0x0009_00ff],
  [0x000a_0000, 0x000a_00ff],
  [0x000b_0000, 0x000b_00ff],
];

/**
 * Whether `name` lies in one of the REGISTER_NAME_RANGES groups.
 *
 * @example
 * isKnownRegister(HV_REGISTER.EXPLICIT_SUSPEND); // true; isKnownRegister(0x0100_0000) is false
 */
export function isKnownRegister(name: number): boolean {
  return REGISTER_NAME_RANGES.some(([a, b]) => name >= a && name <= b);
}

/** A register read: the 16-byte value as two u64 halves, or the status that refuses it. */
export type RegisterRead =
  | { readonly ok: true; readonly lo: bigint; readonly hi: bigint }
  | { readonly ok: false; readonly status: number };

/**
 * GET_VP_REGISTERS of one name.
 *
 * @example
 * readRegister(vp, HV_REGISTER.EXPLICIT_SUSPEND); // { ok: true, lo: 0n, hi: 0n } for a VP not suspended
 */
export function readRegister(vp: Vp, name: number): RegisterRead {
  switch (name) {
    case HV_REGISTER.EXPLICIT_SUSPEND:
      return { ok: true, lo: vp.explicitSuspend ? 1n : 0n, hi: 0n };
    case HV_REGISTER.INTERCEPT_SUSPEND:
      return { ok: true, lo: vp.interceptSuspend ? 1n : 0n, hi: 0n };
    case HV_REGISTER.DISPATCH_SUSPEND:
      return { ok: true, lo: vp.dispatchSuspend ? 1n : 0n, hi: 0n };
    case HV_REGISTER.VP_ROOT_SIGNAL_COUNT:
      return { ok: true, lo: BigInt(vp.signalCount), hi: 0n };
  }
  if (!isKnownRegister(name)) return { ok: false, status: HvStatus.INVALID_PARAMETER };
  const v = vp.registers.get(name);
  return { ok: true, lo: v?.[0] ?? 0n, hi: v?.[1] ?? 0n };
}

/**
 * SET_VP_REGISTERS of one name. The suspend registers take 0 or 1 in bit 0 (other bits: reserved,
 * INVALID_REGISTER_VALUE); INTERCEPT_SUSPEND can only be cleared by the root; VP_ROOT_SIGNAL_COUNT is
 * read-only. Setting EXPLICIT or DISPATCH suspend on a VP whose root-scheduler thread is blocked
 * signals it, so the thread sees the request (the teardown wait of inventory §c.12 counts on it).
 *
 * @example
 * writeRegister(m, p, vp, HV_REGISTER.EXPLICIT_SUSPEND, 2n, 0n); // HvStatus.INVALID_REGISTER_VALUE
 */
export function writeRegister(
  m: HvModel,
  p: Partition,
  vp: Vp,
  name: number,
  lo: bigint,
  hi: bigint,
): number {
  const suspendBit = (): boolean | undefined => (hi === 0n && (lo & ~1n) === 0n ? lo === 1n : undefined);
  switch (name) {
    case HV_REGISTER.EXPLICIT_SUSPEND: {
      const on = suspendBit();
      if (on === undefined) return HvStatus.INVALID_REGISTER_VALUE;
      vp.explicitSuspend = on;
      if (on && !hypervisorScheduled(m) && vp.thread === 'blocked') signalVp(m, p, vp);
      return HvStatus.SUCCESS;
    }
    case HV_REGISTER.INTERCEPT_SUSPEND: {
      const on = suspendBit();
      if (on !== false) return HvStatus.INVALID_REGISTER_VALUE;
      vp.interceptSuspend = false;
      return HvStatus.SUCCESS;
    }
    case HV_REGISTER.DISPATCH_SUSPEND: {
      const on = suspendBit();
      if (on === undefined) return HvStatus.INVALID_REGISTER_VALUE;
      vp.dispatchSuspend = on;
      if (on && vp.thread === 'blocked') signalVp(m, p, vp);
      return HvStatus.SUCCESS;
    }
    case HV_REGISTER.VP_ROOT_SIGNAL_COUNT:
      return HvStatus.INVALID_PARAMETER;
  }
  if (!isKnownRegister(name)) return HvStatus.INVALID_PARAMETER;
  vp.registers.set(name, [lo, hi]);
  return HvStatus.SUCCESS;
}
