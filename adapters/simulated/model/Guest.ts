import { HV_VP_REGISTER_PAGE_MAX_VECTOR_COUNT } from '../../../src/hv/KernelConstants.js';
import {
  HV_VP_DISPATCH_EVENT,
  HV_VP_DISPATCH_STATE,
  HV_DISPATCH_VP_FLAG,
} from '../../../src/hv/flags/HvDispatchVp.js';
import { HV_MAP_GPA } from '../../../src/hv/flags/HvMapGpaFlag.js';
import { HV_DOORBELL_FLAG, HV_PORT_TYPE } from '../../../src/hv/flags/HvPortType.js';
import { VP_ROOT_DISPATCH_THREAD_BLOCKED_COUNTER } from '../../../src/hv/flags/HvStats.js';
import { HV_VP_STATE_PAGE } from '../../../src/hv/flags/HvVpState.js';
import type { GuestExit } from '../../../src/scenario/Scenario.js';
import type { HvModel } from './HvModel.js';
import {
  type MemoryExitKind,
  interceptMessage,
  opaqueInterceptMessage,
  signalPairMessage,
} from './Messages.js';
import type { Partition } from './Partition.js';
import type { Vp } from './Vp.js';

/** RIP, RFLAGS and RAX register names (hvgdk_mini.h HV_X64_REGISTER_*), read into intercept headers. */
export const HV_X64_REGISTER_RAX = 0x00020000;
export const HV_X64_REGISTER_RIP = 0x00020010;
export const HV_X64_REGISTER_RFLAGS = 0x00020011;

/**
 * Offset of `interrupt_vectors` in hv_vp_register_page (x86-64, with the 8 reserved bytes after the
 * 18 registers that an April 2026 fix restored): the irqfd fast path appends vectors there and
 * DISPATCH_VP with SCAN_INTERRUPT_INJECTION takes them.
 */
export const REGISTER_PAGE_INTERRUPT_VECTORS_OFFSET = 688;

const BLOCKED_COUNTER_OFFSET = VP_ROOT_DISPATCH_THREAD_BLOCKED_COUNTER.x86_64 * 8;

/**
 * True when the hypervisor scheduler (not the root) runs VPs.
 *
 * @example
 * hypervisorScheduled(new SimulatedMachine({ seed: 7, scheduler: 'root' }).model); // false
 */
export function hypervisorScheduled(m: HvModel): boolean {
  return m.knobs.scheduler !== 'root';
}

/**
 * Hypervisor schedulers (lp, lp-smt, core-smt): run `vp` as far as its script goes while it is not
 * suspended (inventory §c.6). Memory accesses the map satisfies and doorbell writes complete inside
 * the guest; the first exit that needs the VMM becomes an intercept: the message lands in the VP's
 * intercept page, INTERCEPT_SUSPEND is set, and HVMSG_OPAQUE_INTERCEPT naming the VP goes to SINT0 of
 * the VP's CPU. An empty script leaves the guest running with nothing to report.
 *
 * @example
 * vp.script.push({ exit: 'IO_PORT', port: 0x3f8, write: true, size: 1, value: 0x41 });
 * runVp(m, p, vp); vp.interceptSuspend; // true under core-smt: the exit waits for the VMM
 */
export function runVp(m: HvModel, p: Partition, vp: Vp): void {
  if (!hypervisorScheduled(m)) return;
  while (p.state === 'initialized' && !vp.explicitSuspend && !vp.interceptSuspend) {
    vp.pendingVectors.length = 0;
    resumeAccess(vp);
    const exit = vp.script.shift();
    if (exit === undefined) return;
    const memory = resolveInGuest(m, p, vp, exit);
    if (memory === 'done') continue;
    deliverIntercept(m, p, vp, exit, memory);
    m.synic.post(vp.cpu, opaqueInterceptMessage(p.id, vp.index));
  }
}

/** What one DISPATCH_VP returns (hv_output_dispatch_vp). */
export interface DispatchResult {
  readonly state: number;
  readonly event: number;
}

/**
 * Root scheduler: one DISPATCH_VP (inventory §c.6). Suspended → BLOCKED + SUSPEND; an intercept still
 * pending (not cleared with CLEAR_INTERCEPT_SUSPEND) is delivered again → READY + INTERCEPT; HALT or
 * an empty script → BLOCKED until an interrupt or new work signals the VP; otherwise the next exit
 * that needs the VMM → READY + INTERCEPT with the message in the intercept page. Work already queued
 * behind a HALT is new work that arrived while the VP halted: the VP blocks and is signalled at once,
 * as `pushExits` signals a halted VP.
 *
 * @example
 * dispatchVp(m, p, vp, 0); // with an IO_PORT exit scripted:
 * // { state: HV_VP_DISPATCH_STATE.READY, event: HV_VP_DISPATCH_EVENT.INTERCEPT }
 */
export function dispatchVp(m: HvModel, p: Partition, vp: Vp, flags: number): DispatchResult {
  if ((flags & HV_DISPATCH_VP_FLAG.CLEAR_INTERCEPT_SUSPEND) !== 0) vp.interceptSuspend = false;
  if ((flags & HV_DISPATCH_VP_FLAG.SCAN_INTERRUPT_INJECTION) !== 0) takeRegisterPageVectors(m, vp);
  if (vp.explicitSuspend || vp.dispatchSuspend) return blocked(m, vp, HV_VP_DISPATCH_EVENT.SUSPEND);
  if (vp.interceptSuspend)
    return { state: HV_VP_DISPATCH_STATE.READY, event: HV_VP_DISPATCH_EVENT.INTERCEPT };
  resumeAccess(vp);
  for (;;) {
    if (vp.halted) {
      if (vp.pendingVectors.length === 0) {
        const halted = blocked(m, vp, HV_VP_DISPATCH_EVENT.INVALID);
        if (vp.script.length > 0) {
          vp.halted = false;
          signalVp(m, p, vp);
        }
        return halted;
      }
      vp.halted = false;
    }
    vp.pendingVectors.length = 0;
    const exit = vp.script.shift();
    if (exit === undefined || exit.exit === 'HALT') {
      vp.halted = true;
      continue;
    }
    const memory = resolveInGuest(m, p, vp, exit);
    if (memory === 'done') continue;
    deliverIntercept(m, p, vp, exit, memory);
    return { state: HV_VP_DISPATCH_STATE.READY, event: HV_VP_DISPATCH_EVENT.INTERCEPT };
  }
}

/**
 * The hypervisor signals a VP's root-scheduler dispatch thread: VP_ROOT_SIGNAL_COUNT + 1, the
 * RootDispatchThreadBlocked counters go to 0, and HVMSG_SCHEDULER_VP_SIGNAL_PAIR goes to SINT0.
 *
 * @example
 * signalVp(m, p, vp); // vp.signalCount one higher, vp.thread 'idle', a signal-pair message on SINT0
 */
export function signalVp(m: HvModel, p: Partition, vp: Vp): void {
  vp.signalCount += 1;
  vp.thread = 'idle';
  setBlockedCounter(m, vp, 0n);
  m.synic.post(vp.cpu, signalPairMessage([{ partitionId: p.id, vpIndex: vp.index }]));
}

/**
 * Something the VP waits for happened (an interrupt, new work, a suspend request): wake or run it.
 *
 * @example
 * wakeVp(m, p, vp); // root scheduler: signals a blocked thread; hypervisor schedulers: runVp
 */
export function wakeVp(m: HvModel, p: Partition, vp: Vp): void {
  if (hypervisorScheduled(m)) runVp(m, p, vp);
  else if (vp.thread === 'blocked') signalVp(m, p, vp);
}

/**
 * World control: append exits to the VP's script, then let it run (or signal it) as the scheduler would.
 *
 * @example
 * pushExits(m, p, vp, [{ exit: 'HALT' }]); // appended to vp.script; under core-smt the VP runs it at once
 */
export function pushExits(m: HvModel, p: Partition, vp: Vp, exits: readonly GuestExit[]): void {
  vp.script.push(...exits);
  if (!hypervisorScheduled(m) && vp.halted && vp.thread === 'blocked') {
    vp.halted = false;
    signalVp(m, p, vp);
  } else if (!hypervisorScheduled(m)) vp.halted = false;
  else runVp(m, p, vp);
}

/**
 * The VP resumes after a no-access GPA intercept: the access executes again when its GFN was mapped
 * or unmapped since (the root kernel faulted it in), and is taken as emulated by the VMM otherwise.
 */
function resumeAccess(vp: Vp): void {
  const retry = vp.retry;
  if (retry === null) return;
  vp.retry = null;
  if (retry.remapped) vp.script.unshift(retry.exit);
}

/**
 * A MAP_GPA_PAGES that grants access (not NO_ACCESS), or an UNMAP_GPA_PAGES, changed `[gfn, gfn +
 * pages)`: a VP stopped on an access there executes it again when it resumes (`resumeAccess`): the
 * root kernel resolved the intercept beneath the VMM (NEW's fault-in maps with the region's flags,
 * whether they permit the access or not: before the March 2026 fix a write to a read-only chunk ran
 * again, and again), or the VMM lifted a protection and resumed without emulating. A no-access map
 * (a movable region mapped again, an MMU notifier's invalidation) is never the kernel's fault-in: the
 * intercept went to the VMM, which emulated the access. The caller leaves no-access maps out.
 *
 * @example
 * noteRemapped(p, 0x200, 512); // a VP whose retry GFN is 0x2a0 retries its access
 */
export function noteRemapped(p: Partition, gfn: number, pages: number): void {
  for (const vp of p.vps.values())
    if (vp.retry !== null && vp.retry.gfn >= gfn && vp.retry.gfn < gfn + pages) vp.retry.remapped = true;
}

/** Write the intercept to the VP's intercept-message page and suspend the VP on it. */
function deliverIntercept(m: HvModel, p: Partition, vp: Vp, exit: GuestExit, memory: MemoryExitKind): void {
  vp.retry =
    memory === 'no-access' && (exit.exit === 'MMIO' || exit.exit === 'UNMAPPED_GPA')
      ? { exit, gfn: Number(exit.gpa >> 12n), remapped: false }
      : null;
  const msg = interceptMessage(
    p.id,
    {
      vpIndex: vp.index,
      rip: vp.reg64(HV_X64_REGISTER_RIP),
      rflags: vp.reg64(HV_X64_REGISTER_RFLAGS) | 0x2n,
      rax: vp.reg64(HV_X64_REGISTER_RAX),
    },
    exit,
    memory,
  );
  vp.lastMessage = msg;
  vp.interceptSuspend = true;
  vp.exits += 1;
  const page = vp.statePages.get(HV_VP_STATE_PAGE.INTERCEPT_MESSAGE);
  if (page !== undefined) m.ram.contents(page.pfn).bytes.set(msg);
}

/** Where an exit ends: inside the guest (a doorbell port or a mapped RAM page) or at the VMM. */
type ExitRoute =
  | { readonly to: 'doorbell'; readonly portId: number }
  | { readonly to: 'ram'; readonly gfn: number; readonly write: boolean }
  | { readonly to: 'vmm'; readonly kind: MemoryExitKind };

/**
 * Where `exit` goes, without side effects: a MMIO write matching a doorbell connection (size code
 * and trigger value, or any value) signals its port; a RAM access the map allows completes in the
 * guest; everything else is an intercept for the VMM.
 */
function routeExit(p: Partition, exit: GuestExit): ExitRoute {
  if (exit.exit !== 'MMIO' && exit.exit !== 'UNMAPPED_GPA') return { to: 'vmm', kind: 'unmapped' };
  const write = exit.exit === 'MMIO' && exit.write;
  if (exit.exit === 'MMIO' && write) {
    for (const c of p.connections.values()) {
      if (c.type !== HV_PORT_TYPE.DOORBELL || c.gpa !== exit.gpa) continue;
      const sizeCode = Number(c.flags & BigInt(HV_DOORBELL_FLAG.TRIGGER_SIZE_MASK));
      const anyValue = (c.flags & BigInt(HV_DOORBELL_FLAG.TRIGGER_ANY_VALUE)) !== 0n;
      if (sizeCode !== 0 && 1 << (sizeCode - 1) !== exit.size) continue;
      if (!anyValue && c.triggerValue !== exit.value) continue;
      return { to: 'doorbell', portId: c.portId };
    }
  }
  const gfn = Number(exit.gpa >> 12n);
  const e = p.gpa.extents.get(gfn);
  if (e === undefined) return { to: 'vmm', kind: 'unmapped' };
  const need = write ? HV_MAP_GPA.WRITABLE : HV_MAP_GPA.READABLE;
  if (
    e.value.backing === 'none' ||
    (e.value.flags & HV_MAP_GPA.NO_ACCESS) !== 0 ||
    (e.value.flags & need) === 0
  )
    return { to: 'vmm', kind: 'no-access' };
  return e.value.backing === 'ram' ? { to: 'ram', gfn, write } : { to: 'vmm', kind: 'unmapped' };
}

/**
 * How many of `exits` reach the VMM as a message (one MSHV_RUN_VP each), given the partition's map
 * and doorbells now: a doorbell write or a RAM access completes in the guest, and under the root
 * scheduler a HALT blocks the VP in the hypervisor (DISPATCH_VP answers BLOCKED) instead.
 *
 * @example
 * const out = { exit: 'IO_PORT', port: 0x3f8, write: true, size: 1, value: 0x41 } as const;
 * exitsSeenByVmm(m, p, [out, { exit: 'HALT' }]);
 * // 1 under the root scheduler (the HALT blocks in the hypervisor), 2 under core-smt
 */
export function exitsSeenByVmm(
  m: HvModel,
  p: Partition,
  exits: readonly GuestExit[],
  faultedIn: FaultedIn = NO_FAULT_IN,
): number {
  let seen = 0;
  for (const exit of exits) {
    if (exit.exit === 'HALT' && !hypervisorScheduled(m)) continue;
    if (reachesVmm(p, exit, faultedIn)) seen += 1;
  }
  return seen;
}

/**
 * Whether the root kernel resolves a GPA intercept for an access at `gfn` by itself and runs the VP
 * again (NEW's fault-in of a movable region), so the access completes in the guest: what the
 * driver knows and the hypervisor does not, for predicting which exits reach the VMM.
 */
export type FaultedIn = (gfn: number, write: boolean) => boolean;

const NO_FAULT_IN: FaultedIn = () => false;

function reachesVmm(p: Partition, exit: GuestExit, faultedIn: FaultedIn): boolean {
  const route = routeExit(p, exit);
  if (route.to !== 'vmm') return false;
  if (route.kind !== 'no-access' || (exit.exit !== 'MMIO' && exit.exit !== 'UNMAPPED_GPA')) return true;
  return !faultedIn(Number(exit.gpa >> 12n), exit.exit === 'MMIO' && exit.write);
}

/**
 * Whether resuming (hypervisor schedulers) or dispatching (root scheduler) `vp` now ends in an exit
 * that reaches the VMM before the VP has nothing left to do: an exit of its script that is not
 * completed in the guest. Under the root scheduler a HALT is not one: it blocks the VP, which the work
 * queued behind it wakes again (see `dispatchVp`); a halted VP with nothing queued stays blocked. What a runtime asks before it lets a VP thread enter MSHV_RUN_VP, so a run that would
 * sleep until a signal is kept waiting instead of spinning.
 *
 * @example
 * vpHasExitForVmm(m, p, vp); // false while vp.script is empty
 * // true under the root scheduler once pushExits added an IO_PORT exit
 */
export function vpHasExitForVmm(
  m: HvModel,
  p: Partition,
  vp: Vp,
  faultedIn: FaultedIn = NO_FAULT_IN,
): boolean {
  const root = !hypervisorScheduled(m);
  if (root && vp.halted && vp.pendingVectors.length === 0) return false;
  // A stopped access that runs again on resume (`resumeAccess`) comes before the script.
  const again = vp.retry?.remapped === true ? [vp.retry.exit] : [];
  for (const exit of [...again, ...vp.script]) {
    if (exit.exit === 'HALT') {
      if (root) continue;
      return true;
    }
    if (reachesVmm(p, exit, faultedIn)) return true;
  }
  return false;
}

/**
 * Let the guest complete an exit by itself where it can: a doorbell write signals its port, a RAM
 * access the map allows sets the accessed/dirty bits. 'done' when no intercept is needed.
 */
function resolveInGuest(m: HvModel, p: Partition, vp: Vp, exit: GuestExit): 'done' | MemoryExitKind {
  const route = routeExit(p, exit);
  if (route.to === 'vmm') return route.kind;
  if (route.to === 'doorbell') m.synic.signalDoorbell(vp.cpu, route.portId);
  else p.gpa.touch(route.gfn, 1, route.write);
  return 'done';
}

function blocked(m: HvModel, vp: Vp, event: number): DispatchResult {
  vp.thread = 'blocked';
  setBlockedCounter(m, vp, 1n);
  return { state: HV_VP_DISPATCH_STATE.BLOCKED, event };
}

/** The RootDispatchThreadBlocked counter in the VP's SELF and PARENT stats pages. */
function setBlockedCounter(m: HvModel, vp: Vp, value: bigint): void {
  for (const page of vp.statsPages.values())
    m.ram.contents(page.pfn).view.setBigUint64(BLOCKED_COUNTER_OFFSET, value, true);
}

/** Take the vectors the root's irqfd fast path appended to the register page (count byte, 7 vectors). */
function takeRegisterPageVectors(m: HvModel, vp: Vp): void {
  const page = vp.statePages.get(HV_VP_STATE_PAGE.REGISTERS);
  if (page === undefined) return;
  const bytes = m.ram.contents(page.pfn).bytes;
  const at = REGISTER_PAGE_INTERRUPT_VECTORS_OFFSET;
  const count = Math.min(bytes[at] ?? 0, HV_VP_REGISTER_PAGE_MAX_VECTOR_COUNT);
  for (let i = 0; i < count; i++) vp.pendingVectors.push(bytes[at + 1 + i] ?? 0);
  bytes.fill(0, at, at + 8);
}
