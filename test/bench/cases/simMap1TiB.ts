/**
 * Bench: map and unmap a 1 TiB guest of 4 KiB pages on the simulated hypervisor at the hypercall
 * level, the way the driver does it: pin 65,536 pages at a time (MSHV_PIN_PAGES_BATCH_SIZE), feed
 * MAP_GPA_PAGES 509 PFNs per call from the pinned runs, deposit 256 pages on INSUFFICIENT_MEMORY and
 * resume at the reps completed, then UNMAP_GPA_PAGES 512 reps per call, unpin, finalize, withdraw and
 * delete. The bench runner reads the child's peak RSS (target ≤ 512 MiB: the model keeps extents,
 * never per-page state).
 */
import { performance } from 'node:perf_hooks';
import { encodeControl } from '../../../src/hv/ControlWord.js';
import { HV_COMPATIBILITY_21_H2 } from '../../../src/hv/flags/HvPartitionCreationFlag.js';
import {
  CreatePartition,
  DeletePartition,
  DepositMemory,
  FinalizePartition,
  InitializePartition,
  MapGpaPages,
  UnmapGpaPages,
  WithdrawMemory,
} from '../../../src/hv/hypercalls/index.js';
import type { HypercallDef } from '../../../src/hv/Hypercall.js';
import { HV_PARTITION_ID_SELF } from '../../../src/hv/ids.js';
import { MSHV_PIN_PAGES_BATCH_SIZE } from '../../../src/hv/KernelConstants.js';
import { decodeStatus } from '../../../src/hv/StatusWord.js';
import type { PfnRun } from '../../../src/ports/HostPort.js';
import { SimulatedMachine } from '../../../adapters/simulated/SimulatedMachine.js';

const PIN_BATCH_PAGES = MSHV_PIN_PAGES_BATCH_SIZE;
const MAP_BATCH = 509;
const UNMAP_BATCH = 512;
const USER_ADDR = 0x7f00_0000_0000n;
const INSUFFICIENT_MEMORY = 0x0b;

/** Map and unmap a guest of `sizeBytes` of 4 KiB pages; returns the figures the bench reports. */
export async function mapUnmap4k(sizeBytes: bigint, seed = 1): Promise<Record<string, number>> {
  const t0 = performance.now();
  const machine = new SimulatedMachine({
    seed,
    cpuCount: 1,
    asyncPropertyRate: 0,
    // A typical long-running host: physically contiguous runs of 4 MiB on average (the other
    // fragmentation knobs come from the seed). Seeds that draw 1 MiB runs quadruple the extents.
    fragmentation: { runPagesMean: 1024 },
    hostMemory: [{ kind: 'ram', userAddr: USER_ADDR, size: sizeBytes, pageSize: 4096 }],
  });
  const hv = machine.hypervisor;
  const { input, output } = machine.cpuPages(0);
  let calls = 0;
  let depositCalls = 0;
  const issue = (
    def: HypercallDef,
    values: Record<string, unknown>,
    repCount = 0,
    repStart = 0,
  ): { status: number; reps: number } => {
    def.input?.encode(values, input.view);
    calls++;
    const s = decodeStatus(
      hv.hypercall(encodeControl({ code: def.code, repCount, repStart }), input, output),
    );
    return { status: s.result, reps: s.repsCompleted };
  };
  const fast = (def: HypercallDef, partitionId: bigint): number => {
    calls++;
    return decodeStatus(hv.fastHypercall8(encodeControl({ code: def.code, fast: true }), partitionId)).result;
  };
  const deposit = (partitionId: bigint, pages: number): void => {
    const runs = machine.host.allocPages(pages);
    if (runs === null) throw new Error('host out of kernel memory');
    let n = 0;
    for (const r of runs) for (let i = 0; i < r.count; i++) input.setU64Number(8 + 8 * n++, r.pfn + i);
    let start = 0;
    while (start < n) {
      depositCalls++;
      const a = issue(DepositMemory, { partitionId }, n, start);
      if (a.status !== 0) throw new Error(`DEPOSIT_MEMORY: 0x${a.status.toString(16)}`);
      start = a.reps;
    }
  };

  // Partition: create (deposit into the root on retry), deposit 208, initialize.
  let partitionId = 0n;
  for (;;) {
    const a = issue(CreatePartition, {
      flags: 0x8_2100n,
      proximityDomainInfo: 0n,
      compatibilityVersion: HV_COMPATIBILITY_21_H2,
      disabledProcessorFeatures0: 0n,
      disabledProcessorFeatures1: 0n,
      disabledProcessorXsaveFeatures: 0n,
      isolationProperties: 0n,
    });
    if (a.status === 0) {
      partitionId = output.view.getBigUint64(0, true);
      break;
    }
    if (a.status !== INSUFFICIENT_MEMORY) throw new Error(`CREATE_PARTITION: 0x${a.status.toString(16)}`);
    deposit(HV_PARTITION_ID_SELF, 1);
  }
  deposit(partitionId, 208);
  while (fast(InitializePartition, partitionId) === INSUFFICIENT_MEMORY) deposit(partitionId, 1);

  const guestPages = Number(sizeBytes >> 12n);
  const pinned: PfnRun[] = [];
  let gpaExtentsPeak = 0;
  let hostExtentsPeak = 0;
  let slatPagesPeak = 0;
  const sample = (): void => {
    const view = machine.partitionCounters(partitionId);
    gpaExtentsPeak = Math.max(gpaExtentsPeak, view?.gpaExtents ?? 0);
    slatPagesPeak = Math.max(slatPagesPeak, view?.slatPages ?? 0);
    hostExtentsPeak = Math.max(hostExtentsPeak, machine.hostExtentCount);
  };

  // Map: pin a batch, then 509-PFN MAP_GPA_PAGES calls fed from its runs.
  const tMap = performance.now();
  const batch = new Float64Array(MAP_BATCH);
  for (let page = 0; page < guestPages; page += PIN_BATCH_PAGES) {
    const count = Math.min(PIN_BATCH_PAGES, guestPages - page);
    const range = machine.host.pinUserRange(USER_ADDR + BigInt(page) * 4096n, count);
    if (range.kind !== 'ram') throw new Error('pin failed');
    for (const r of range.runs) pinned.push(r);
    let run = 0;
    let inRun = 0;
    for (let done = 0; done < count; done += MAP_BATCH) {
      const n = Math.min(MAP_BATCH, count - done);
      for (let i = 0; i < n; i++) {
        const r = range.runs[run];
        if (r === undefined) throw new Error('runs exhausted');
        batch[i] = r.pfn + inRun;
        if (++inRun === r.count) {
          run++;
          inRun = 0;
        }
      }
      let start = 0;
      while (start < n) {
        // The deposit on INSUFFICIENT_MEMORY reuses the input page, so the list is written every time.
        for (let i = 0; i < n; i++) input.setU64Number(24 + 8 * i, batch[i] ?? 0);
        const a = issue(
          MapGpaPages,
          { targetPartitionId: partitionId, targetGpaBase: BigInt(page + done), mapFlags: 0x3 },
          n,
          start,
        );
        if (a.status === INSUFFICIENT_MEMORY) deposit(partitionId, 256);
        else if (a.status !== 0) throw new Error(`MAP_GPA_PAGES: 0x${a.status.toString(16)}`);
        start = a.reps;
      }
    }
    sample();
  }
  const mapMs = performance.now() - tMap;
  // Live data at the peak (everything mapped): the runner passes --expose-gc.
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapAtPeakMiB = Math.round(process.memoryUsage().heapUsed / 2 ** 20);

  // Unmap: 512 reps per call, no list.
  const tUnmap = performance.now();
  for (let page = 0; page < guestPages; page += UNMAP_BATCH) {
    const n = Math.min(UNMAP_BATCH, guestPages - page);
    let start = 0;
    while (start < n) {
      const a = issue(
        UnmapGpaPages,
        { targetPartitionId: partitionId, targetGpaBase: BigInt(page), unmapFlags: 0 },
        n,
        start,
      );
      if (a.status !== 0) throw new Error(`UNMAP_GPA_PAGES: 0x${a.status.toString(16)}`);
      start = a.reps;
    }
  }
  const unmapMs = performance.now() - tUnmap;
  machine.host.unpinUserRange(pinned);

  // Teardown: finalize, withdraw everything, delete.
  if (fast(FinalizePartition, partitionId) !== 0) throw new Error('FINALIZE_PARTITION failed');
  let withdrawn = 0;
  for (;;) {
    const a = issue(WithdrawMemory, { partitionId, proximityDomainInfo: 0n }, 512);
    const runs: PfnRun[] = [];
    for (let i = 0; i < a.reps; i++) runs.push({ pfn: output.getU64Number(i * 8), count: 1 });
    machine.host.freePages(runs);
    withdrawn += a.reps;
    if (a.status !== 0) break;
  }
  if (fast(DeletePartition, partitionId) !== 0) throw new Error('DELETE_PARTITION failed');
  const audit = machine.audit();
  if (!audit.ok) throw new Error(`audit: ${audit.violations.join('; ')}`);
  await Promise.resolve();
  return {
    guestPages,
    runPagesMean: machine.knobs.fragmentation.runPagesMean,
    hypercalls: calls,
    depositCalls,
    wallMs: Math.round(performance.now() - t0),
    mapMs: Math.round(mapMs),
    unmapMs: Math.round(unmapMs),
    pinnedRuns: pinned.length,
    gpaExtentsPeak,
    hostExtentsPeak,
    extentsPeak: gpaExtentsPeak + hostExtentsPeak,
    slatPagesPeak,
    heapAtPeakMiB,
    withdrawnPages: withdrawn,
  };
}

/** The bench entry: 1 TiB. */
export async function run(): Promise<Record<string, number>> {
  return mapUnmap4k(1n << 40n);
}
