import type { GuestExit } from '../../../src/scenario/Scenario.js';

/** A mapped VP state page or stats page: the PFN the root sees, and whether the root supplied it (overlay). */
export interface MappedPage {
  readonly pfn: number;
  readonly overlay: boolean;
}

/** Root-scheduler view of a VP's dispatch thread. */
export type DispatchThread = 'idle' | 'blocked';

/**
 * One virtual processor: its register file, suspend registers, the pages it shares with the root,
 * VP state blobs, pending interrupts and the guest script it runs.
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

  constructor(
    readonly index: number,
    /** The logical processor the VP's messages are delivered on. */
    readonly cpu: number,
  ) {}

  /** A u64 register value (0 when never written). */
  reg64(name: number): bigint {
    return this.registers.get(name)?.[0] ?? 0n;
  }
}
