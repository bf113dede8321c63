import { readFileSync } from 'node:fs';
import { HypercallCode } from '../../../src/hv/HypercallCode.js';
import { type PartitionId, partitionId } from '../../../src/hv/ids.js';
import { HV_PAGE_SIZE } from '../../../src/hv/Page.js';
import { createDriverEnv } from '../../../src/pipeline/driver/createDriverEnv.js';
import type { DriverEnv } from '../../../src/pipeline/driver/DriverEnv.js';
import type { HvShared } from '../../../src/pipeline/driver/HvShared.js';
import { KernelPartition } from '../../../src/pipeline/driver/KernelPartition.js';
import { installMshvIsr } from '../../../src/pipeline/driver/mshvIsr.js';
import type { HypercallEvent } from '../../../src/pipeline/HypercallRecorder.js';
import type { PfnRun } from '../../../src/pipeline/PfnRuns.js';
import { HvPage } from '../../../src/ports/HvPage.js';
import { type SeenCall, ScriptedPort } from '../ScriptedPort.js';
import { NO_HOST_MEMORY } from './noHostMemory.js';

/** The numbers the VP tests take from test/fixtures/mshv-facts.json. */
export const facts = JSON.parse(readFileSync('test/fixtures/mshv-facts.json', 'utf8')) as {
  limits: {
    MSHV_MAX_VPS: number;
    HV_MESSAGE_SIZE: number;
    HV_MESSAGE_MAX_PARTITION_VP_PAIR_COUNT: number;
    HV_SYNIC_EVENT_RING_MESSAGE_COUNT: number;
    vp_state_sizes: Record<'LAPIC' | 'SIMP' | 'SIEFP' | 'SYNTHETIC_TIMERS', number>;
  };
  deposit_counts: { CREATE_VP_UPFRONT: number; DEFAULT_RETRY: number };
  batch_sizes: { HV_GET_VP_STATE_BATCH_SIZE: number; HV_SET_VP_STATE_BATCH_SIZE: number };
  flags_enums: {
    HVMSG: Record<string, number>;
    HV_STATS_OBJECT: Record<string, number>;
    HV_REGISTER: Record<string, number>;
    HV_DISPATCH_VP_FLAG: Record<string, number>;
    VpRootDispatchThreadBlocked_counter_index: { NEW_x86: number };
  };
};

type OutputWriter = (out: DataView, call: SeenCall) => void;

/** ScriptedPort that also writes the output page: scripted writers first, then a default per code. */
export class OutputPort extends ScriptedPort {
  readonly #outputs = new Map<number, OutputWriter[]>();
  readonly defaults = new Map<number, OutputWriter>();

  output(code: number, ...writers: OutputWriter[]): void {
    this.#outputs.set(code, [...(this.#outputs.get(code) ?? []), ...writers]);
  }

  override hypercall(control: bigint, input: HvPage | null, output: HvPage | null = null): bigint {
    const status = super.hypercall(control, input);
    const call = this.seen.at(-1);
    if (call === undefined || output === null) return status;
    const writer = this.#outputs.get(call.code)?.shift() ?? this.defaults.get(call.code);
    writer?.(output.view, call);
    return status;
  }
}

/**
 * A small fake of the hypervisor-shared side: pages, one SINT0 slot with a queue, one SINT5 event
 * ring the test fills by hand, scripted time. Ring writes and barriers are logged in `ringOps`.
 */
export class FakeShared implements HvShared {
  readonly pages = new Map<bigint, Uint8Array>();
  /** hv_synic_event_ring of this CPU (signal_masked @0, ring_full @1, data u32[63] @4). */
  readonly ring = new Uint8Array(256);
  /** The driver's ring writes and barriers in order: mask, unmask, clear-full, take N, mb. */
  readonly ringOps: string[] = [];
  /** Runs at each barrier: where a test lets the hypervisor add an entry while the ring was masked. */
  onBarrier: (() => void) | undefined;
  cpuIndex = 0;
  readonly #queue: Uint8Array[] = [];
  #slot: Uint8Array | null = null;
  #handler: (() => void) | undefined;
  /** One function per runHypervisor call, in order; rounds past the script do nothing. */
  readonly steps: (() => void)[] = [];
  rounds = 0;
  acks = 0;
  signals = 0;
  signalChecks = 0;

  readPage(pfn: bigint): Uint8Array {
    return (this.pages.get(pfn) ?? new Uint8Array(HV_PAGE_SIZE)).slice();
  }

  writePage(pfn: bigint, bytes: Uint8Array): void {
    const page = this.pages.get(pfn) ?? new Uint8Array(HV_PAGE_SIZE);
    page.set(bytes);
    this.pages.set(pfn, page);
  }

  /** Write a u64 at `offset` of page `pfn` (stats counters, the pending-vector word). */
  setU64(pfn: bigint, offset: number, value: bigint): void {
    const page = this.pages.get(pfn) ?? new Uint8Array(HV_PAGE_SIZE);
    new DataView(page.buffer).setBigUint64(offset, value, true);
    this.pages.set(pfn, page);
  }

  sint0Message(): Uint8Array | null {
    return this.#slot?.slice() ?? null;
  }

  ackSint0Message(): void {
    this.acks += 1;
    this.#slot = null;
    this.#deliver();
  }

  setInterruptHandler(handler: () => void): void {
    this.#handler = handler;
  }

  cpu(): number {
    return this.cpuIndex;
  }

  doorbellRing(): Uint8Array {
    return this.ring.slice();
  }

  setDoorbellRingSignalMasked(masked: boolean): void {
    this.ringOps.push(masked ? 'mask' : 'unmask');
    this.ring[0] = masked ? 1 : 0;
  }

  clearDoorbellRingFull(): void {
    this.ringOps.push('clear-full');
    this.ring[1] = 0;
  }

  clearDoorbellRingSlot(slot: number): void {
    this.ringOps.push(`take ${slot}`);
    new DataView(this.ring.buffer).setUint32(4 + slot * 4, 0, true);
  }

  memoryBarrier(): void {
    this.ringOps.push('mb');
    this.onBarrier?.();
  }

  /** Messages are delivered as they are posted, so there is never one waiting here. */
  takePendingInterrupts(): void {
    this.#deliver();
  }

  /** The hypervisor's side: write `port` into ring slot `slot` (0 empties it). */
  putRing(slot: number, port: number): void {
    new DataView(this.ring.buffer).setUint32(4 + slot * 4, port, true);
  }

  /** The ports in the ring's slots, 63 u32s. */
  ringSlots(): number[] {
    const v = new DataView(this.ring.buffer);
    return Array.from({ length: 63 }, (_, i) => v.getUint32(4 + i * 4, true));
  }

  /** The hypervisor posts a message to SINT0 (queued while the slot is busy). */
  post(message: Uint8Array): void {
    this.#queue.push(message);
    this.#deliver();
  }

  runHypervisor(): void {
    const step = this.steps[this.rounds];
    this.rounds += 1;
    step?.();
  }

  takeSignal(): boolean {
    this.signalChecks += 1;
    if (this.signals === 0) return false;
    this.signals -= 1;
    return true;
  }

  #deliver(): void {
    if (this.#slot !== null) return;
    const next = this.#queue.shift();
    if (next === undefined) return;
    this.#slot = next;
    this.#handler?.();
  }
}

/**
 * A 256-byte hv_message: type, sender and a payload writer (payload offsets from 0).
 *
 * @example
 * hvMessageBytes(HVMSG.OPAQUE_INTERCEPT, pid, (p) => p.setUint32(0, 0, true));
 */
export function hvMessageBytes(
  type: number,
  sender: bigint,
  payload: (p: DataView) => void = () => undefined,
  msgPending = false,
): Uint8Array {
  const bytes = new Uint8Array(256);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, type, true);
  view.setUint8(4, 240);
  view.setUint8(5, msgPending ? 1 : 0);
  view.setBigUint64(8, sender, true);
  payload(new DataView(bytes.buffer, 16, 240));
  return bytes;
}

export const ROOT = partitionId(1n);
export const CHILD = partitionId(5n);

/** PFNs the default MAP_VP_STATE_PAGE / MAP_STATS_PAGE outputs hand out, in call order. */
export const FIRST_MAPPED_PFN = 0x7_0000n;

/** Everything a VP test needs: the port, the fake shared side, the env and one partition. */
export function vpRig(scheduler: DriverEnv['scheduler'] = 'core-smt', id: PartitionId = CHILD) {
  const port = new OutputPort();
  const shared = new FakeShared();
  const events: HypercallEvent[] = [];
  let nextPfn = 0x1000;
  const live = new Map<number, number>();
  const freed: PfnRun[] = [];
  const deposits: [bigint, number][] = [];
  let failAllocs = false;
  const kernel = {
    allocPages(count: number): PfnRun[] | null {
      if (failAllocs) return null;
      const run = { pfn: nextPfn, count };
      nextPfn += count;
      live.set(run.pfn, count);
      return [run];
    },
    freePages(runs: readonly PfnRun[]): void {
      for (const r of runs) {
        freed.push(r);
        live.delete(r.pfn);
      }
    },
  };
  let mapped = FIRST_MAPPED_PFN;
  const mapOut: OutputWriter = (out) => {
    out.setBigUint64(0, mapped, true);
    mapped += 1n;
  };
  port.defaults.set(HypercallCode.MAP_VP_STATE_PAGE, mapOut);
  port.defaults.set(HypercallCode.MAP_STATS_PAGE, mapOut);
  const env = createDriverEnv({
    hypervisor: port,
    pages: { input: new HvPage(), output: new HvPage() },
    kernel,
    host: NO_HOST_MEMORY,
    rootPartition: ROOT,
    scheduler,
    recorder: { wantsBytes: true, record: (e) => events.push(e) },
    ledger: { deposit: (t, n) => deposits.push([t, n]) },
    shared,
  });
  const pt = new KernelPartition(3, id, 0n);
  installMshvIsr(shared, (pid) => (pid === pt.id ? pt : undefined));
  return {
    port,
    shared,
    env,
    pt,
    events,
    deposits,
    freed,
    /** Pages allocated and not yet freed (pinned buffers must come back). */
    livePages: () => [...live.values()].reduce((a, b) => a + b, 0),
    failAllocs: (v: boolean) => {
      failAllocs = v;
    },
    /** Names of the hypercalls issued, in order. */
    names: () => events.map((e) => e.name),
  };
}

/** A DataView over the input bytes a hypercall passed. */
export function inputOf(e: HypercallEvent | SeenCall): DataView {
  return new DataView(e.input.buffer, e.input.byteOffset, e.input.byteLength);
}
