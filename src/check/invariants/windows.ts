import type { Invariant } from './Invariant.js';

/**
 * Interrupt windows (design principle 7; review points 3, 10 and 11): every call that passes the
 * driver CPU's per-CPU input page runs inside an interrupt window (the page belongs to the CPU only
 * with interrupts off); a fast call never runs inside one (its input travels in registers; the
 * kernel dropped the IRQ save around fast calls); the reps one window runs stay within the batch the
 * call was planned with (the bound on how long interrupts stay off); and no window is still open
 * when a step returns (every path closes it, errors included).
 *
 * @example
 * windows.beforeCall?.(call, world); // 'fast call INITIALIZE_PARTITION issued inside interrupt window 3'
 */
export const windows: Invariant = {
  name: 'windows',
  summary:
    'per-CPU-page calls run inside an interrupt window, fast calls never do, a window runs at most one batch of reps, the per-CPU pages are used only inside a window, and every window is closed when a step returns',
  beforeCall(call) {
    if (call.fast)
      return call.window === null
        ? undefined
        : `fast call ${call.name} issued inside interrupt window ${call.window}`;
    if (!call.perCpu) return null;
    return call.window === null
      ? `${call.name} used the per-CPU input page with interrupts on (outside any window)`
      : undefined;
  },
  afterCall(call, status, world) {
    const t = call.traits;
    if (!call.perCpu || call.window === null || t?.kind !== 'rep') return null;
    const s = world.scratch;
    if (s.window !== call.window) {
      s.window = call.window;
      s.windowReps = 0;
    }
    s.windowReps += Math.max(0, Number((status >> 32n) & 0xfffn) - call.repStart);
    return s.windowReps > t.batchRepsMax
      ? `interrupt window ${call.window} ran ${s.windowReps} reps of ${call.name}; one batch is at most ${t.batchRepsMax}`
      : undefined;
  },
  afterStep(_step, world) {
    const windows = world.sim.device.env.windows;
    const open = windows.current;
    if (open !== null)
      return `interrupt window ${open} is still open after the step returned: a path left it without closing it`;
    return windows.takeStrayUse() ?? undefined;
  },
};
