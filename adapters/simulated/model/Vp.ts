import { STATE_AREA_PAGES } from '../handlers/vpState.js';
import type { GuestExit } from '../../../src/scenario/Scenario.js';

/** A mapped VP state page or stats page: the PFN the root sees, and whether the root supplied it (overlay). */
export interface MappedPage {
  readonly pfn: number;
  readonly overlay: boolean;
}

/**
 * A guest access a GPA intercept stopped (the GFN mapped without that access): the instruction did
 * not retire. When the VP resumes it executes again if the GFN was mapped or unmapped meanwhile (the
 * root kernel faulted it in: NEW's movable regions), and counts as emulated by the VMM otherwise.
 */
export interface GuestRetry {
  readonly exit: GuestExit;
  readonly gfn: number;
  /** A MAP_GPA_PAGES or UNMAP_GPA_PAGES covered `gfn` since the intercept. */
  remapped: boolean;
}

/** Root-scheduler view of a VP's dispatch thread. */
export type DispatchThread = 'idle' | 'blocked';

/** A VP as a snapshot keeps it: every field, maps as [key, value] lists in insertion order. */
export interface SavedVp {
  readonly index: number;
  readonly cpu: number;
  readonly registers: readonly (readonly [number, bigint, bigint])[];
  readonly explicitSuspend: boolean;
  readonly interceptSuspend: boolean;
  readonly dispatchSuspend: boolean;
  readonly signalCount: number;
  readonly script: readonly GuestExit[];
  readonly halted: boolean;
  readonly thread: DispatchThread;
  readonly lastMessage: Uint8Array | null;
  readonly pendingVectors: readonly number[];
  readonly statePages: readonly (readonly [number, MappedPage])[];
  readonly statsPages: readonly (readonly [number, MappedPage])[];
  readonly stateBlobs: readonly (readonly [number, Uint8Array])[];
  readonly exits: number;
  readonly interruptsAsserted: number;
  readonly extIntPending: boolean;
  /** Absent when no access waits (snapshots of worlds without one read as before). */
  readonly retry?: GuestRetry;
}

/**
 * One virtual processor: its register file, suspend registers, the pages it shares with the root,
 * VP state blobs, pending interrupts and the guest script it runs.
 *
 * @example
 * new Vp(0, 1).cpu; // 1: VP 0's messages go to CPU 1's SINT0
 */
export class Vp {
  /** Register values (16 bytes as two u64 halves) by HV_REGISTER name, for names without semantics. */
  readonly registers = new Map<number, readonly [bigint, bigint]>();
  explicitSuspend = false;
  interceptSuspend = false;
  dispatchSuspend = false;
  /** VP_ROOT_SIGNAL_COUNT: scheduler signals the hypervisor has sent for this VP. */
  signalCount = 0;
  /** The guest's remaining exits, in order. */
  readonly script: GuestExit[] = [];
  /** The guest executed HLT (or ran out of script) and waits for an interrupt. */
  halted = false;
  /** Root scheduler: the dispatch thread is blocked waiting for a signal. */
  thread: DispatchThread = 'idle';
  /** The last intercept delivered and not yet resumed (interceptSuspend set). */
  lastMessage: Uint8Array | null = null;
  /** Vectors asserted and not yet taken by the guest. */
  readonly pendingVectors: number[] = [];
  /** MAP_VP_STATE_PAGE pages by type (0 registers, 1 intercept message, 2 GHCB). */
  readonly statePages = new Map<number, MappedPage>();
  /** MAP_STATS_PAGE pages by stats area (0 self, 1 parent). */
  readonly statsPages = new Map<number, MappedPage>();
  /** GET/SET_VP_STATE blobs by HV_GET_SET_VP_STATE type. */
  readonly stateBlobs = new Map<number, Uint8Array>();
  /** Pool pages the save areas of `stateBlobs` hold (part of the partition's `held.vps`). */
  stateAreaPages = 0;
  /** Intercepts delivered (for introspection). */
  exits = 0;
  /** ASSERT_VIRTUAL_INTERRUPT deliveries. */
  interruptsAsserted = 0;
  /** An ExtINT is pending until CLEAR_VIRTUAL_INTERRUPT. */
  extIntPending = false;
  /** The access the last no-access GPA intercept stopped, until the VP resumes. */
  retry: GuestRetry | null = null;

  constructor(
    readonly index: number,
    /** The logical processor the VP's messages are delivered on. */
    readonly cpu: number,
  ) {}

  /**
   * Every field (byte arrays copied), for snapshots.
   *
   * @example
   * Vp.restore(vp.save()).save(); // equal to vp.save()
   */
  save(): SavedVp {
    return {
      index: this.index,
      cpu: this.cpu,
      registers: [...this.registers].map(([name, [lo, hi]]) => [name, lo, hi] as const),
      explicitSuspend: this.explicitSuspend,
      interceptSuspend: this.interceptSuspend,
      dispatchSuspend: this.dispatchSuspend,
      signalCount: this.signalCount,
      script: [...this.script],
      halted: this.halted,
      thread: this.thread,
      lastMessage: this.lastMessage?.slice() ?? null,
      pendingVectors: [...this.pendingVectors],
      statePages: [...this.statePages],
      statsPages: [...this.statsPages],
      stateBlobs: [...this.stateBlobs].map(([type, blob]) => [type, blob.slice()] as const),
      exits: this.exits,
      interruptsAsserted: this.interruptsAsserted,
      extIntPending: this.extIntPending,
      ...(this.retry === null ? {} : { retry: { ...this.retry } }),
    };
  }

  /**
   * A VP in a recorded state.
   *
   * @example
   * const copy = Vp.restore(vp.save());
   */
  static restore(s: SavedVp): Vp {
    const vp = new Vp(s.index, s.cpu);
    for (const [name, lo, hi] of s.registers) vp.registers.set(name, [lo, hi]);
    vp.explicitSuspend = s.explicitSuspend;
    vp.interceptSuspend = s.interceptSuspend;
    vp.dispatchSuspend = s.dispatchSuspend;
    vp.signalCount = s.signalCount;
    vp.script.push(...s.script);
    vp.halted = s.halted;
    vp.thread = s.thread;
    vp.lastMessage = s.lastMessage?.slice() ?? null;
    vp.pendingVectors.push(...s.pendingVectors);
    for (const [type, page] of s.statePages) vp.statePages.set(type, page);
    for (const [area, page] of s.statsPages) vp.statsPages.set(area, page);
    for (const [type, blob] of s.stateBlobs) vp.stateBlobs.set(type, blob.slice());
    // Each blob took its save area from the pool when it was made (stateBlob), and blobs are never
    // dropped: the pages DELETE_VP gives back follow from them.
    vp.stateAreaPages = s.stateBlobs.length * STATE_AREA_PAGES;
    vp.exits = s.exits;
    vp.interruptsAsserted = s.interruptsAsserted;
    vp.retry = s.retry === undefined ? null : { ...s.retry };
    vp.extIntPending = s.extIntPending;
    return vp;
  }

  /** A u64 register value (0 when never written). */
  reg64(name: number): bigint {
    return this.registers.get(name)?.[0] ?? 0n;
  }
}
