import { describe, expect, it } from 'vitest';
import { MSHV_IOEVENTFD_BIT, MSHV_SET_MEM_BIT } from '../../src/hv/uapi/flags.js';
import type { IoctlResult } from '../../src/pipeline/driver/IoctlResult.js';
import type { MshvDevice } from '../../src/pipeline/driver/MshvDevice.js';
import { portIdsOf } from '../../src/pipeline/driver/portIdAllocator.js';
import type { UserMemRegion } from '../../src/pipeline/driver/setGuestMemory.js';
import type { HypercallEvent } from '../../src/pipeline/HypercallRecorder.js';
import { SimWorld } from '../../src/runner/SimWorld.js';
import { loadScenario } from '../../src/scenario/loadScenario.js';

const RAM = 0x7f00_0000_0000n;
const BAR = 0x7f80_0000_0000n;
/** An MMIO VMA whose PFNs are host RAM (low RAM starts at PFN 0x100 on every simulated host). */
const RAM_BAR = 0x7f90_0000_0000n;
const MiB = 1n << 20n;
const UNMAP = 1 << MSHV_SET_MEM_BIT.UNMAP;

type Faults = readonly { call: string; nth: number; status: string }[];

/** A SimWorld with 8 MiB of 4K RAM, a 64 KiB BAR and a BAR over RAM; every hypercall kept. */
function world(faults: Faults = []) {
  const calls: HypercallEvent[] = [];
  const w = new SimWorld(
    loadScenario({
      format: 1,
      name: 'validation',
      seed: 11,
      hypervisor: { faults },
      hostMemory: [
        { userAddr: `0x${RAM.toString(16)}`, size: '8MiB', pageSize: '4K' },
        { userAddr: `0x${BAR.toString(16)}`, size: '64KiB', mmio: true, spa: '0xfe000000' },
        { userAddr: `0x${RAM_BAR.toString(16)}`, size: '16KiB', mmio: true, spa: '0x200000' },
      ],
      steps: [],
    }),
    { wantsBytes: false, record: (e) => calls.push(e) },
  );
  return { w, dev: w.device, calls };
}

function value<T>(r: IoctlResult<T>): T {
  if (!r.ok) throw new Error(`${r.error.op}: ${r.error.errnoName} ${r.error.message}`);
  return r.value;
}

/**
 * What the driver and the simulated hypervisor hold: the driver's partitions (regions, VPs, irqfds,
 * ioeventfds, routing), its port ids and open window; the hypervisor's partitions (state, pages its
 * structures use, mappings, page tables, VPs, ports, connections); the host's kernel and hypervisor
 * pages and its pinned user pages. Left out on purpose: free pool pages (pages a deposit bought stay
 * with the partition until WITHDRAW_MEMORY at teardown, as in the kernel, DECISIONS.md 2), and which
 * user pages are resident (the VMM's memory, faulted in by a pin, stays the VMM's).
 */
function fingerprint(w: SimWorld): string {
  const dev = w.device;
  const audit = w.machine.audit();
  return JSON.stringify(
    {
      driver: dev.partitions().map((p) => ({
        id: p.id,
        initialized: p.initialized,
        regions: p.regions.map((r) => [r.guestPfn, r.pages, r.kind]),
        vps: [...p.vps.keys()],
        irqfds: p.irqfds,
        ioeventfds: p.ioeventfds,
        msi: p.msiRouting,
      })),
      ports: portIdsOf(dev.env).inUse(),
      window: dev.env.windows.current,
      hv: w.machine.partitions().map((p) => ({
        id: p.id,
        state: p.state,
        used: p.pool.usedPages,
        mapped: p.mappedPages,
        extents: p.gpaExtents,
        slat: p.slatPages,
        vps: p.vps.map((v) => v.index),
        ports: p.ports,
        connections: p.connections,
      })),
      kernelPages: audit.totals.kernel,
      hvPages: audit.totals.hv,
      pinned: w.machine.pinnedUserPages,
    },
    (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v),
  );
}

/** A partition, initialized, with a 1 MiB RAM region at GFN 0 (setup shared by most rows). */
function ready(dev: MshvDevice): number {
  const pt = value(dev.createPartition({ ptFlags: 0b11n, ptIsolation: 0n }));
  value(dev.initializePartition(pt));
  value(dev.setGuestMemory(pt, { size: MiB, guestPfn: 0n, userspaceAddr: RAM, flags: 3 }));
  return pt;
}

const region = (r: Partial<UserMemRegion>): UserMemRegion => ({
  size: MiB,
  guestPfn: 0x1000n,
  userspaceAddr: RAM + 2n * MiB,
  flags: 3,
  ...r,
});

interface Row {
  readonly rule: string;
  readonly errno: string;
  readonly faults?: Faults;
  readonly setup?: (dev: MshvDevice) => number;
  readonly act: (dev: MshvDevice, pt: number) => IoctlResult<unknown>;
}

const rows: readonly Row[] = [
  // CREATE_PARTITION (§c.2, §d)
  {
    rule: 'CREATE_PARTITION: unknown pt_flags bit 6',
    errno: 'EINVAL',
    act: (d) => d.createPartition({ ptFlags: 1n << 6n, ptIsolation: 0n }),
  },
  {
    rule: 'CREATE_PARTITION: pt_isolation >= COUNT',
    errno: 'EINVAL',
    act: (d) => d.createPartition({ ptFlags: 0n, ptIsolation: 1n }),
  },
  ...(
    [
      ['pt_num_cpu_fbanks 3', { numCpuFbanks: 3 }],
      ['pt_rsvd not zero', { rsvd: 1n }],
      ['pt_rsvd1 not zero', { rsvd1: 1n }],
    ] as const
  ).map(([what, v2]): Row => ({
    rule: `CREATE_PARTITION v2: ${what}`,
    errno: 'EINVAL',
    act: (d) =>
      d.createPartition({
        ptFlags: 1n << 3n,
        ptIsolation: 0n,
        v2: { numCpuFbanks: 2, cpuFbanks: [0n, 0n], disabledXsave: 0n, ...v2 },
      }),
  })),
  {
    rule: 'CREATE_PARTITION: the hypercall fails (INVALID_PARAMETER)',
    errno: 'EINVAL',
    faults: [{ call: 'CREATE_PARTITION', nth: 1, status: 'INVALID_PARAMETER' }],
    act: (d) => d.createPartition({ ptFlags: 0n, ptIsolation: 0n }),
  },
  // INITIALIZE_PARTITION (§c.3): a failure withdraws what was deposited
  {
    rule: 'INITIALIZE_PARTITION fails: WITHDRAW_MEMORY(all)',
    errno: 'EIO',
    faults: [{ call: 'INITIALIZE_PARTITION', nth: 1, status: 'ACCESS_DENIED' }],
    setup: (d) => value(d.createPartition({ ptFlags: 0n, ptIsolation: 0n })),
    act: (d, pt) => d.initializePartition(pt),
  },
  // SET_GUEST_MEMORY (§c.4, §d)
  {
    rule: 'SET_GUEST_MEMORY: size 0',
    errno: 'EINVAL',
    setup: ready,
    act: (d, pt) => d.setGuestMemory(pt, region({ size: 0n })),
  },
  {
    rule: 'SET_GUEST_MEMORY: size not page aligned',
    errno: 'EINVAL',
    setup: ready,
    act: (d, pt) => d.setGuestMemory(pt, region({ size: MiB + 1n })),
  },
  {
    rule: 'SET_GUEST_MEMORY: userspace_addr not page aligned',
    errno: 'EINVAL',
    setup: ready,
    act: (d, pt) => d.setGuestMemory(pt, region({ userspaceAddr: RAM + 8n })),
  },
  {
    rule: 'SET_GUEST_MEMORY: unknown flag bit 3',
    errno: 'EINVAL',
    setup: ready,
    act: (d, pt) => d.setGuestMemory(pt, region({ flags: 8 })),
  },
  {
    rule: 'SET_GUEST_MEMORY: rsvd not zero',
    errno: 'EINVAL',
    setup: ready,
    act: (d, pt) => d.setGuestMemory(pt, region({ rsvd: 1n })),
  },
  {
    rule: 'SET_GUEST_MEMORY map: !access_ok (beyond 2^47)',
    errno: 'EINVAL',
    setup: ready,
    act: (d, pt) => d.setGuestMemory(pt, region({ userspaceAddr: 1n << 47n })),
  },
  {
    rule: 'SET_GUEST_MEMORY map: no VMA',
    errno: 'EINVAL',
    setup: ready,
    act: (d, pt) => d.setGuestMemory(pt, region({ userspaceAddr: RAM + 64n * MiB })),
  },
  {
    rule: 'SET_GUEST_MEMORY map: no VMA and a GFN overlap: the VMA lookup comes first (EINVAL, not EEXIST)',
    errno: 'EINVAL',
    setup: ready,
    act: (d, pt) => d.setGuestMemory(pt, region({ guestPfn: 0xffn, userspaceAddr: RAM + 64n * MiB })),
  },
  {
    rule: 'SET_GUEST_MEMORY map: GFN overlap (half-open, NEW)',
    errno: 'EEXIST',
    setup: ready,
    act: (d, pt) => d.setGuestMemory(pt, region({ guestPfn: 0xffn })),
  },
  {
    rule: 'SET_GUEST_MEMORY map: MMIO containing RAM',
    errno: 'EINVAL',
    setup: ready,
    act: (d, pt) => d.setGuestMemory(pt, region({ size: 16384n, userspaceAddr: RAM_BAR })),
  },
  {
    rule: 'SET_GUEST_MEMORY unmap: not found (NEW ENOENT)',
    errno: 'ENOENT',
    setup: ready,
    act: (d, pt) => d.setGuestMemory(pt, region({ flags: UNMAP })),
  },
  {
    rule: 'SET_GUEST_MEMORY unmap: a GFN beyond any region (2^40) is ENOENT too, not the map path GPA bound',
    errno: 'ENOENT',
    setup: ready,
    act: (d, pt) => d.setGuestMemory(pt, region({ guestPfn: 1n << 40n, flags: UNMAP })),
  },
  {
    rule: 'SET_GUEST_MEMORY unmap: start/size mismatch',
    errno: 'EINVAL',
    setup: ready,
    act: (d, pt) => d.setGuestMemory(pt, { size: MiB / 2n, guestPfn: 0n, userspaceAddr: RAM, flags: UNMAP }),
  },
  {
    rule: 'SET_GUEST_MEMORY map fails part-way (3rd MAP_GPA_PAGES batch): the mapped prefix is unmapped, pages unpinned',
    errno: 'EIO',
    faults: [{ call: 'MAP_GPA_PAGES', nth: 4, status: 'ACCESS_DENIED' }],
    setup: ready,
    act: (d, pt) => d.setGuestMemory(pt, region({ size: 4n * MiB })),
  },
  // CREATE_VP (§c.5): index bound, reuse, failure unwinds in reverse
  { rule: 'CREATE_VP: vp_index 256', errno: 'EINVAL', setup: ready, act: (d, pt) => d.createVp(pt, 256) },
  {
    rule: 'CREATE_VP: slot used',
    errno: 'EEXIST',
    setup: (d) => {
      const pt = ready(d);
      value(d.createVp(pt, 0));
      return pt;
    },
    act: (d, pt) => d.createVp(pt, 0),
  },
  {
    rule: 'CREATE_VP: MAP_STATS_PAGE fails: every mapping undone, DELETE_VP',
    errno: 'EIO',
    faults: [{ call: 'MAP_STATS_PAGE', nth: 2, status: 'ACCESS_DENIED' }],
    setup: ready,
    act: (d, pt) => d.createVp(pt, 1),
  },
  // IOEVENTFD (§c.11): a doorbell that cannot connect is deleted and its id freed
  {
    rule: 'IOEVENTFD: CONNECT_PORT fails: DELETE_PORT, port id freed',
    errno: 'EIO',
    faults: [{ call: 'CONNECT_PORT', nth: 1, status: 'ACCESS_DENIED' }],
    setup: ready,
    act: (d, pt) =>
      d.ioeventfd(pt, {
        fd: d.createEventfd(),
        addr: 0xfe00_0000n,
        len: 4,
        datamatch: 0n,
        flags: 1 << MSHV_IOEVENTFD_BIT.DATAMATCH,
      }),
  },
];

describe('§d validation rows through the device on the simulated machine: the errno, and nothing left behind', () => {
  it.each(rows.map((r) => [r.rule, r] as const))('%s', (_rule, row) => {
    const { w, dev } = world(row.faults);
    const pt = row.setup?.(dev) ?? -1;
    const before = fingerprint(w);
    const r = row.act(dev, pt);
    expect(r.ok ? 'ok' : r.error.errnoName).toBe(row.errno);
    expect(fingerprint(w)).toBe(before);
    expect(w.machine.audit().violations).toEqual([]);
    // And the world still closes clean.
    for (const p of dev.partitions()) value(dev.close(p.fd));
    expect(w.machine.audit().ok).toBe(true);
  });

  it('the part-way map failure unmaps exactly the prefix, in 4K units, after the faulting batch', () => {
    const { dev, calls } = world([{ call: 'MAP_GPA_PAGES', nth: 4, status: 'ACCESS_DENIED' }]);
    const pt = ready(dev);
    const from = calls.length;
    dev.setGuestMemory(pt, region({ size: 4n * MiB }));
    const seen = calls.slice(from).filter((c) => c.name.endsWith('GPA_PAGES'));
    expect(seen.map((c) => [c.name, c.repCount, c.repsCompleted])).toEqual([
      ['MAP_GPA_PAGES', 509, 509],
      ['MAP_GPA_PAGES', 509, 509],
      ['MAP_GPA_PAGES', 6, 0],
      ['UNMAP_GPA_PAGES', 512, 512],
      ['UNMAP_GPA_PAGES', 506, 506],
    ]);
  });
});
