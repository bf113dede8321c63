/**
 * A minimal hypercall issuer for the simulated-hypervisor tests: encodes a call's header with its
 * layout on CPU 0's persistent input page, issues it, decodes the status word. It is deliberately not
 * the driver (src/pipeline): tests here pin down the hypervisor's answers, call by call.
 */
import { encodeControl } from '../../src/hv/ControlWord.js';
import {
  HV_PARTITION_CREATION_FLAG,
  HV_COMPATIBILITY_21_H2,
} from '../../src/hv/flags/HvPartitionCreationFlag.js';
import type { HypercallDef } from '../../src/hv/Hypercall.js';
import {
  CreatePartition,
  CreateVp,
  DepositMemory,
  InitializePartition,
  MapGpaPages,
  UnmapGpaPages,
  WithdrawMemory,
} from '../../src/hv/hypercalls/index.js';
import { HV_GET_SET_VP_STATE } from '../../src/hv/flags/HvVpState.js';
import { decodeStatus } from '../../src/hv/StatusWord.js';
import type { HvPage } from '../../src/ports/HvPage.js';
import type { PfnRun } from '../../src/ports/HostPort.js';
import { SimulatedMachine } from '../../adapters/simulated/SimulatedMachine.js';
import type { MachineConfig } from '../../adapters/simulated/MachineConfig.js';

/**
 * A call the harness's multi-call helpers (createPartition, initialize) expected to succeed answered
 * otherwise: an operating error (a fault the plan injected, say), not a broken invariant. Random
 * sequences skip the operation; every other error is a bug.
 */
export class CallRefused extends Error {
  constructor(
    readonly call: string,
    readonly status: number,
  ) {
    super(`${call}: 0x${status.toString(16)}`);
    this.name = 'CallRefused';
  }
}

export interface Answer {
  readonly status: number;
  readonly reps: number;
  readonly word: bigint;
  readonly output: HvPage;
}

export interface CallOptions {
  readonly repCount?: number;
  readonly repStart?: number;
  readonly varHeadQwords?: number;
  /** Write list entries (or a variable header) after the fixed header. */
  readonly list?: (page: HvPage, offset: number) => void;
  /** Leave the input page as it is instead of zeroing it first (the encoder still zeroes the header span). */
  readonly keepStale?: boolean;
}

export const ALL_CREATION_FLAGS =
  (1n << BigInt(HV_PARTITION_CREATION_FLAG.EXO_PARTITION)) |
  (1n << BigInt(HV_PARTITION_CREATION_FLAG.INTERCEPT_MESSAGE_PAGE_ENABLED)) |
  (1n << BigInt(HV_PARTITION_CREATION_FLAG.LAPIC_ENABLED)) |
  (1n << BigInt(HV_PARTITION_CREATION_FLAG.GPA_SUPER_PAGES_ENABLED));

export const GiB = 1n << 30n;
export const USER_4K = 0x7f00_0000_0000n;
export const USER_2M = 0x7f40_0000_0000n;

/** A machine with 64 MiB of 4K-backed and 64 MiB of 2M-backed VMM memory and one MMIO range. */
export function smallMachine(over: Partial<MachineConfig> = {}): SimulatedMachine {
  return new SimulatedMachine({
    seed: 7,
    hostMemory: [
      { kind: 'ram', userAddr: USER_4K, size: 64n << 20n, pageSize: 4096 },
      { kind: 'ram', userAddr: USER_2M, size: 64n << 20n, pageSize: 2097152 },
      { kind: 'mmio', userAddr: 0x7f80_0000_0000n, size: 64n << 10n, spa: 0xfe00_0000n },
    ],
    asyncPropertyRate: 0,
    ...over,
  });
}

export class Caller {
  /** When set, every answer is appended: the status word and a digest of the output page. */
  transcript: string[] | undefined;

  constructor(
    readonly machine: SimulatedMachine,
    readonly cpu = 0,
  ) {}

  get input(): HvPage {
    return this.machine.cpuPages(this.cpu).input;
  }

  get output(): HvPage {
    return this.machine.cpuPages(this.cpu).output;
  }

  /** Issue a memory (non-fast) hypercall. */
  call(def: HypercallDef, values: Record<string, unknown>, o: CallOptions = {}): Answer {
    const { input, output } = this.machine.cpuPages(this.cpu);
    if (o.keepStale !== true) input.zero();
    const layout = def.input;
    if (layout !== undefined) layout.encode(values, input.view);
    o.list?.(input, layout?.size ?? 0);
    const control = encodeControl({
      code: def.code,
      repCount: o.repCount ?? 0,
      repStart: o.repStart ?? 0,
      varHeadQwords: o.varHeadQwords ?? 0,
    });
    return this.#answer(this.machine.hypervisor.hypercall(control, input, output));
  }

  /** Issue a fast hypercall with the header encoded into the RDX (and R8) registers. */
  fast(def: HypercallDef, values: Record<string, unknown>): Answer {
    const buf = new DataView(new ArrayBuffer(16));
    def.input?.encode(values, buf);
    const control = encodeControl({ code: def.code, fast: true });
    this.machine.runOn(this.cpu);
    const word =
      def.kind === 'fast16'
        ? this.machine.hypervisor.fastHypercall16(
            control,
            buf.getBigUint64(0, true),
            buf.getBigUint64(8, true),
          )
        : this.machine.hypervisor.fastHypercall8(control, buf.getBigUint64(0, true));
    return this.#answer(word);
  }

  /** Issue a rep call and resume after partial completions until done or failed. */
  rep(
    def: HypercallDef,
    values: Record<string, unknown>,
    repCount: number,
    list?: CallOptions['list'],
  ): Answer {
    let start = 0;
    for (;;) {
      const a = this.call(def, values, {
        repCount,
        repStart: start,
        ...(list === undefined ? {} : { list }),
      });
      if (a.status !== 0 || a.reps >= repCount) return a;
      if (a.reps <= start) throw new Error(`no progress at rep ${start}`);
      start = a.reps;
    }
  }

  // ---- common sequences ----

  createPartition(flags = ALL_CREATION_FLAGS, isolationProperties = 0n): bigint {
    for (let i = 0; i < 64; i++) {
      const a = this.call(CreatePartition, {
        flags,
        proximityDomainInfo: 0n,
        compatibilityVersion: HV_COMPATIBILITY_21_H2,
        disabledProcessorFeatures0: 0n,
        disabledProcessorFeatures1: 0n,
        disabledProcessorXsaveFeatures: 0n,
        isolationProperties,
      });
      if (a.status === 0) return a.output.view.getBigUint64(0, true);
      if (a.status !== 0x0b) throw new CallRefused('CREATE_PARTITION', a.status);
      this.deposit(0xffff_ffff_ffff_ffffn, 1);
    }
    throw new Error('CREATE_PARTITION: no progress');
  }

  /** Allocate kernel pages and deposit them (≤ 511 per call). */
  deposit(partitionId: bigint, pages: number): Answer {
    const runs = this.machine.host.allocPages(pages);
    if (runs === null) throw new Error('host out of memory');
    const pfns = expand(runs);
    let last: Answer | undefined;
    for (let i = 0; i < pfns.length; i += 511) {
      last = this.depositPfns(partitionId, pfns.slice(i, i + 511));
      if (last.status !== 0) return last;
    }
    if (last === undefined) throw new Error('deposit of 0 pages');
    return last;
  }

  /** DEPOSIT_MEMORY of exactly these PFNs (≤ 511), resuming partial completions. */
  depositPfns(partitionId: bigint, pfns: readonly number[]): Answer {
    return this.rep(DepositMemory, { partitionId }, pfns.length, pfnList(pfns));
  }

  initialize(partitionId: bigint): void {
    this.deposit(partitionId, 208);
    for (let i = 0; i < 256; i++) {
      const a = this.fast(InitializePartition, { partitionId });
      if (a.status === 0) return;
      if (a.status !== 0x0b) throw new CallRefused('INITIALIZE_PARTITION', a.status);
      this.deposit(partitionId, 1);
    }
  }

  createVp(partitionId: bigint, vpIndex: number): Answer {
    this.deposit(partitionId, 90);
    for (;;) {
      const a = this.call(CreateVp, {
        partitionId,
        vpIndex,
        subnodeType: 0,
        subnodeId: 0n,
        proximityDomainInfo: 0n,
        flags: 0n,
      });
      if (a.status !== 0x0b) return a;
      this.deposit(partitionId, 1);
    }
  }

  /** A created + initialized partition. */
  readyPartition(flags = ALL_CREATION_FLAGS, isolationProperties = 0n): bigint {
    const id = this.createPartition(flags, isolationProperties);
    this.initialize(id);
    return id;
  }

  /** MAP_GPA_PAGES of PFN runs at `gfn`, 509 per call, depositing 256 pages on INSUFFICIENT_MEMORY. */
  mapRuns(partitionId: bigint, gfn: number, runs: readonly PfnRun[], mapFlags = 0x3): Answer {
    const pfns = expand(runs);
    let last: Answer | undefined;
    for (let i = 0; i < pfns.length; i += 509) {
      const chunk = pfns.slice(i, i + 509);
      let start = 0;
      for (;;) {
        const a = this.call(
          MapGpaPages,
          { targetPartitionId: partitionId, targetGpaBase: BigInt(gfn + i), mapFlags },
          {
            repCount: chunk.length,
            repStart: start,
            list: (page, at) => {
              chunk.forEach((p, k) => {
                page.setU64Number(at + k * 8, p);
              });
            },
          },
        );
        last = a;
        if (a.status === 0x0b) {
          this.deposit(partitionId, 256);
          start = a.reps;
          continue;
        }
        if (a.status !== 0) return a;
        if (a.reps >= chunk.length) break;
        start = a.reps;
      }
    }
    if (last === undefined) throw new Error('map of 0 pages');
    return last;
  }

  /** MAP_GPA_PAGES of exactly these PFNs at `gfn` (one rep each), as `mapRuns` issues them. */
  mapPfns(partitionId: bigint, gfn: number, pfns: readonly number[], mapFlags = 0x3): Answer {
    return this.mapRuns(
      partitionId,
      gfn,
      pfns.map((pfn) => ({ pfn, count: 1 })),
      mapFlags,
    );
  }

  /** UNMAP_GPA_PAGES of `pages` pages at `gfn`, 512 per call. */
  unmap(partitionId: bigint, gfn: number, pages: number): Answer {
    let last: Answer | undefined;
    for (let i = 0; i < pages; i += 512) {
      const n = Math.min(512, pages - i);
      last = this.rep(
        UnmapGpaPages,
        { targetPartitionId: partitionId, targetGpaBase: BigInt(gfn + i), unmapFlags: 0 },
        n,
      );
      if (last.status !== 0) return last;
    }
    if (last === undefined) throw new Error('unmap of 0 pages');
    return last;
  }

  /** WITHDRAW_MEMORY until NO_RESOURCES; frees the pages to the host. Returns the count. */
  withdrawAll(partitionId: bigint): number {
    let total = 0;
    for (;;) {
      const a = this.call(WithdrawMemory, { partitionId, proximityDomainInfo: 0n }, { repCount: 512 });
      const runs: PfnRun[] = [];
      for (let i = 0; i < a.reps; i++) runs.push({ pfn: a.output.getU64Number(i * 8), count: 1 });
      this.machine.host.freePages(runs);
      total += a.reps;
      if (a.status !== 0) return total;
    }
  }

  /** Append an answer to the transcript (when one is kept). */
  record(word: bigint): void {
    if (this.transcript === undefined) return;
    let h = 0x811c9dc5;
    for (const b of this.output.bytes) h = Math.imul(h ^ b, 0x01000193);
    this.transcript.push(`${word.toString(16)}:${(h >>> 0).toString(16)}`);
  }

  #answer(word: bigint): Answer {
    this.record(word);
    const s = decodeStatus(word);
    return { status: s.result, reps: s.repsCompleted, word, output: this.output };
  }
}

export function expand(runs: readonly PfnRun[]): number[] {
  const out: number[] = [];
  for (const r of runs) for (let i = 0; i < r.count; i++) out.push(r.pfn + i);
  return out;
}

/**
 * A list writer for `CallOptions.list`: the u64 PFNs in order after the header.
 *
 * @example
 * c.call(DepositMemory, { partitionId }, { repCount: 2, list: pfnList([0x500, 0x501]) });
 */
export function pfnList(pfns: readonly number[]): (page: HvPage, offset: number) => void {
  return (page, at) => {
    pfns.forEach((pfn, k) => {
      page.setU64Number(at + k * 8, pfn);
    });
  };
}

/** GET or SET_VP_STATE (`def`) of VP 0's LAPIC state through host page `pfn` of partition `id`. */
export function lapicStateThrough(c: Caller, def: HypercallDef, id: bigint, pfn: number): Answer {
  return c.call(
    def,
    {
      partitionId: id,
      vpIndex: 0,
      inputVtl: 0,
      stateDataType: HV_GET_SET_VP_STATE.LAPIC_STATE,
      stateDataXsaveFlags: 0n,
      stateDataXsaveStates: 0n,
    },
    { varHeadQwords: 1, list: pfnList([pfn]) },
  );
}
