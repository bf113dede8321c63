/**
 * Host API at scale (issue 5, "Performance"): 1,000 partitions × 16 VPs through the Host API, each
 * partition created, initialized, mapped (2 MiB of 2 MiB-page RAM), given 16 VPs, started, every VP
 * run once to a HALT exit, and at the end every partition closed. Reports API calls per second and the
 * heap per VP with every VP alive after its exit, after a full GC. `apiCalls` counts, per partition,
 * createPartition, initialize, mapMemory, start and close (the one `host.close()` counts as the
 * 1,000 partition closes it performs) and, per VP, createVp and run; `Host.open` and the guest
 * scripts (`host.guest(...).exits`, world control) are not counted.
 *
 * The same ioctls are first issued straight to the driver model (MshvDevice over the simulated
 * hypervisor, no machines, no API) in the same process: its heap per VP is what the driver and the
 * hypervisor keep per VP, so the difference is what the lifecycle machinery keeps per VP (the VP's
 * machine snapshot, its control-plane slot and its API handle, plus its partition's machine snapshot,
 * slot and handle spread over the partition's 16 VPs): `heapPerVpActorBytes`, reported against the
 * figure the `actors` case measures for bare xstate VP actors alone (target ≤ 4 KB). Both heaps are
 * divided by the VP count, so the partition's share makes this figure an upper bound of the per-VP
 * cost, never an understatement.
 */
import { performance } from 'node:perf_hooks';
import { Host } from '../../../src/api/index.js';
import { MSHV_PT_BIT } from '../../../src/hv/uapi/flags.js';
import { CountingRecorder } from '../../../src/pipeline/HypercallRecorder.js';
import { SimWorld } from '../../../src/runner/SimWorld.js';
import type { HostMemoryDecl, Scenario } from '../../../src/scenario/Scenario.js';

const PARTITIONS = 1_000;
const VPS_PER_PARTITION = 16;
const SEED = 5;
const USER_ADDR = 0x7f00_0000_0000n;
const REGION_BYTES = 0x20_0000n;
/** 2 MiB-page RAM the regions are cut from: 1,000 distinct 2 MiB slices. */
const RAM: HostMemoryDecl = {
  kind: 'ram',
  userAddr: USER_ADDR,
  size: REGION_BYTES * BigInt(PARTITIONS),
  pageSize: 2097152,
};
/** Room for 1,000 partitions' pools (about 1,300 pages each for the partition and its 16 VPs). */
const HOST_RAM_BYTES = 16n << 30n;
const FLAGS = ['LAPIC', 'X2APIC', 'GPA_SUPER_PAGES'] as const;

/** Heap in use after a full collection. */
function settledHeapBytes(): number {
  const gc = globalThis.gc;
  if (gc === undefined) throw new Error('the hostApi bench needs node --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

function unwrap<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }, what: string): T {
  if (!r.ok) throw new Error(`${what}: ${r.error.message}`);
  return r.value;
}

/** The same ioctls straight to the driver model: the per-VP heap of the driver and the hypervisor. */
function deviceOnly(): { heapPerVpBytes: number; wallMs: number; ioctls: number } {
  const scenario = {
    format: 1,
    name: 'device-only',
    seed: SEED,
    hypervisor: { scheduler: 'core-smt', faults: [] },
    hostMemory: [RAM],
    steps: [],
  } as unknown as Scenario;
  const before = settledHeapBytes();
  const t0 = performance.now();
  const world = new SimWorld(scenario, new CountingRecorder(), {
    hostRamBytes: HOST_RAM_BYTES,
  });
  const dev = world.device;
  const ptFlags = FLAGS.reduce((f, n) => f | (1n << BigInt(MSHV_PT_BIT[n])), 0n);
  const fds: number[] = [];
  let ioctls = 0;
  for (let p = 0; p < PARTITIONS; p++) {
    const pt = unwrap(dev.createPartition({ ptFlags, ptIsolation: 0n }), 'create');
    unwrap(dev.initializePartition(pt), 'initialize');
    const userspaceAddr = USER_ADDR + BigInt(p) * REGION_BYTES;
    unwrap(dev.setGuestMemory(pt, { size: REGION_BYTES, guestPfn: 0n, userspaceAddr, flags: 3 }), 'map');
    fds.push(pt);
    for (let i = 0; i < VPS_PER_PARTITION; i++) {
      const vp = unwrap(dev.createVp(pt, i), 'create VP');
      world.setGuestScript(pt, i, [{ exit: 'HALT' }]);
      unwrap(dev.runVp(vp), 'run');
      fds.push(vp);
    }
    ioctls += 3 + 2 * VPS_PER_PARTITION;
  }
  const wallMs = performance.now() - t0;
  const alive = settledHeapBytes();
  for (const fd of fds) dev.close(fd);
  return {
    heapPerVpBytes: (alive - before) / (PARTITIONS * VPS_PER_PARTITION),
    wallMs,
    ioctls: ioctls + fds.length,
  };
}

export async function run(): Promise<Record<string, number>> {
  const device = deviceOnly();

  const before = settledHeapBytes();
  const t0 = performance.now();
  let calls = 0;
  const host = unwrap(Host.open({ seed: SEED, hostMemory: [RAM], hostRamBytes: HOST_RAM_BYTES }), 'open');
  for (let p = 0; p < PARTITIONS; p++) {
    const vm = unwrap(host.createPartition({ flags: FLAGS }), 'create');
    unwrap(vm.initialize(), 'initialize');
    const userAddr = USER_ADDR + BigInt(p) * REGION_BYTES;
    unwrap(vm.mapMemory({ guestPfn: 0n, size: REGION_BYTES, userAddr, writable: true }), 'map');
    const vps = Array.from({ length: VPS_PER_PARTITION }, (_, i) => unwrap(vm.createVp(i), 'create VP'));
    unwrap(vm.start(), 'start');
    for (const vp of vps) unwrap(host.guest(vm, vp).exits([{ exit: 'HALT' }]), 'guest');
    const exits = await Promise.all(vps.map((vp) => vp.run()));
    for (const e of exits) if (unwrap(e, 'run').kind !== 'HALT') throw new Error('hostApi bench: not a HALT');
    calls += 4 + 2 * VPS_PER_PARTITION;
  }
  const buildMs = performance.now() - t0;
  const alive = settledHeapBytes();
  const t1 = performance.now();
  unwrap(host.close(), 'close');
  const closeMs = performance.now() - t1;
  calls += PARTITIONS;
  if (!host.audit().ok) throw new Error('hostApi bench: host pages not conserved after close');

  const vpCount = PARTITIONS * VPS_PER_PARTITION;
  const heapPerVp = (alive - before) / vpCount;
  const stats = host.stats();
  return {
    partitions: PARTITIONS,
    vps: vpCount,
    apiCalls: calls,
    apiCallsPerS: Math.round(calls / ((buildMs + closeMs) / 1000)),
    buildMs: Math.round(buildMs),
    closeMs: Math.round(closeMs),
    hypercalls: stats.hypercalls,
    heapPerVpBytes: Math.round(heapPerVp),
    heapPerVpDeviceOnlyBytes: Math.round(device.heapPerVpBytes),
    heapPerVpActorBytes: Math.round(heapPerVp - device.heapPerVpBytes),
    deviceOnlyIoctlsPerS: Math.round(device.ioctls / (device.wallMs / 1000)),
    deviceOnlyWallMs: Math.round(device.wallMs),
    // Building through the Host API against the same ioctls straight to the driver, same process:
    // the machines', control plane's and API's share of the time, robust to a busy machine.
    buildOverDeviceOnly: Math.round((buildMs / device.wallMs) * 100) / 100,
  };
}
