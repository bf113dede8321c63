import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HostCrash } from '../../adapters/simulated/host/HostCrash.js';
import { Synic } from '../../adapters/simulated/host/Synic.js';
import { buildMessage } from '../../adapters/simulated/model/Messages.js';
import { SimulatedMachine } from '../../adapters/simulated/SimulatedMachine.js';
import { canonicalJson } from '../../src/log/canonicalJson.js';
import { Caller, USER_2M, USER_4K, smallMachine } from './harness.js';

const facts = JSON.parse(readFileSync(new URL('../fixtures/mshv-facts.json', import.meta.url), 'utf8')) as {
  limits: {
    HV_SYNIC_EVENT_RING_MESSAGE_COUNT: number;
    HV_MESSAGE_SIZE: number;
    HV_MESSAGE_PAYLOAD_BYTE_COUNT: number;
  };
  hv_structs: { hv_message: { size: number }; hv_message_header: { size: number } };
};

describe('host memory: VMAs, pinning, PFN choice (HostPort)', () => {
  it('pins 4K-backed memory into seeded, fragmented runs, and the same range again into the same PFNs', () => {
    const m = smallMachine();
    const a = m.host.pinUserRange(USER_4K, 8192);
    expect(a.kind).toBe('ram');
    if (a.kind !== 'ram') return;
    expect(a.hugeBacked).toBe(false);
    expect(a.runs.reduce((s, r) => s + r.count, 0)).toBe(8192);
    expect(a.runs.length).toBeGreaterThan(1);
    const b = m.host.pinUserRange(USER_4K, 8192);
    expect(b).toEqual(a);
    m.host.unpinUserRange(a.runs);
    m.host.unpinUserRange(a.runs);
    expect(() => {
      m.host.unpinUserRange(a.runs);
    }).toThrow(HostCrash);
    expect(m.audit().violations).toEqual([]);
  });

  it('migrate moves unpinned 4K-backed pages to new host pages with their contents; pinned and hugetlb pages stay; faulting in pins nothing', () => {
    const m = smallMachine();
    const pinned = m.pinnedUserPages;
    const before = m.host.faultUserRange(USER_4K, 16);
    if (before.kind !== 'ram') throw new Error('fault');
    expect(m.pinnedUserPages).toBe(pinned);
    const first = before.runs[0]!.pfn;
    m.host.physPage(first).bytes[7] = 0xab;
    const kept = m.host.pinUserRange(USER_4K + 8n * 4096n, 8);
    if (kept.kind !== 'ram') throw new Error('pin');
    expect(m.migrateUserPages(USER_4K, 16)).toEqual({ moved: 8, pinned: 8, mappedFreed: 0 });
    const after = m.host.faultUserRange(USER_4K, 16);
    if (after.kind !== 'ram') throw new Error('fault');
    const pfns = (r: typeof after) =>
      r.runs.flatMap((x) => Array.from({ length: x.count }, (_, i) => x.pfn + i));
    const [was, now] = [pfns(before), pfns(after)];
    expect(now.slice(8)).toEqual(was.slice(8));
    expect(now.slice(0, 8).filter((p) => was.includes(p))).toEqual([]);
    expect(m.host.physPage(now[0]!).bytes[7]).toBe(0xab);
    expect(m.migrateUserPages(USER_2M, 512)).toEqual({ moved: 0, pinned: 0, mappedFreed: 0 });
    expect(m.audit().violations).toEqual([]);
  });

  it('backs 2M memory with 512-aligned runs at construction (a hugetlb pool)', () => {
    const m = smallMachine();
    const r = m.host.pinUserRange(USER_2M, 16384);
    if (r.kind !== 'ram') throw new Error('pin');
    expect(r.hugeBacked).toBe(true);
    for (const run of r.runs) {
      expect(run.pfn % 512).toBe(0);
      expect(run.count % 512).toBe(0);
    }
  });

  it('changes the host PFNs with the seed, and keeps them with the same seed', () => {
    const runs = (seed: number): unknown => {
      const r = smallMachine({ seed }).host.pinUserRange(USER_4K, 4096);
      return r.kind === 'ram' ? r.runs : undefined;
    };
    expect(runs(5)).toEqual(runs(5));
    expect(runs(5)).not.toEqual(runs(6));
  });

  it('answers like the kernel: no VMA → none, MMIO VMA → its vm_pgoff, a range leaving RAM → none', () => {
    const m = smallMachine();
    expect(m.host.pinUserRange(0x1000n, 1)).toEqual({ kind: 'none' });
    expect(m.host.findVma(0x7f80_0000_1000n)).toMatchObject({ kind: 'mmio', pgoff: 0xfe000 });
    // The vm_pgoff of the VMA, whatever the offset inside it (the kernel's quirk).
    expect(m.host.pinUserRange(0x7f80_0000_1000n, 1)).toEqual({ kind: 'mmio', startPfn: 0xfe000 });
    expect(m.host.pinUserRange(USER_4K + (64n << 20n) - 4096n, 2)).toEqual({ kind: 'none' });
  });

  it('checks a PFN range for RAM in one pass (review point 5)', () => {
    const m = smallMachine();
    expect(m.host.rangeHasRam(0xfe000, 16)).toBe(false);
    expect(m.host.rangeHasRam(0xf0, 0x20)).toBe(true); // crosses into RAM at 1 MiB
    expect(m.host.rangeHasRam(0x0, 0x100)).toBe(false);
  });

  it('allocates and frees kernel pages; a double free or a free of user memory crashes the host', () => {
    const m = smallMachine();
    const runs = m.host.allocPages(100)!;
    expect(runs.reduce((s, r) => s + r.count, 0)).toBe(100);
    m.host.freePages(runs);
    expect(() => {
      m.host.freePages(runs);
    }).toThrow(/double-free/);
    const user = m.host.pinUserRange(USER_4K, 1);
    if (user.kind !== 'ram') throw new Error('pin');
    expect(() => {
      m.host.freePages(user.runs);
    }).toThrow(/double-free/);
    expect(m.host.allocPages(m.ownership().totalPages)).toBeNull();
  });

  it('frees run by run, as __free_page goes page by page: a PFN given twice in one call is a double free', () => {
    const m = smallMachine();
    const [run] = m.host.allocPages(4)!;
    const pfn = run!.pfn;
    expect(() => {
      m.host.freePages([
        { pfn, count: 2 },
        { pfn: pfn + 1, count: 1 },
      ]);
    }).toThrow(/double-free/);
    // The pages before the repeat were freed, as the kernel would have; the rest are still allocated.
    expect(() => {
      m.host.freePages([{ pfn: pfn + 2, count: 2 }]);
    }).not.toThrow();
  });

  it('lets the root touch only pages it owns or the hypervisor shares', () => {
    const m = smallMachine();
    const free = [...m.hostExtents()].find((e) => e.kind === 'free')!.start;
    expect(() => m.host.physPage(free)).toThrow(/touch-foreign/);
    expect(() => m.host.physPage(0xfe000)).toThrow(/not RAM/);
    const k = m.host.allocPages(1)![0]!.pfn;
    m.host.physPage(k).bytes[0] = 9;
    expect(m.host.physPage(k).bytes[0]).toBe(9);
  });

  it('sizes host RAM from the VMAs unless told, and refuses less RAM than the VMAs need', () => {
    expect(() => smallMachine({ hostRamBytes: 1n << 20n })).toThrow(/hostRamBytes/);
    expect(() => smallMachine({ hostRamBytes: (8n << 30n) + 1n })).toThrow(
      /hostRamBytes: .* multiple of 4096/,
    );
    expect(
      () =>
        new SimulatedMachine({
          seed: 1,
          hostMemory: [{ kind: 'ram', userAddr: 0x1001n, size: 4096n, pageSize: 4096 }],
        }),
    ).toThrow(/hostMemory\[0\]/);
  });
});

describe('SynIC SINT0 slot and doorbell ring (inventory §c.8, §c.11)', () => {
  it('has the fact-sheet sizes: 256-byte messages with a 16-byte header, 63 ring slots', () => {
    expect(facts.hv_structs.hv_message.size).toBe(256);
    expect(facts.hv_structs.hv_message_header.size).toBe(16);
    expect(buildMessage(1, 0n, () => undefined, 0).length).toBe(facts.limits.HV_MESSAGE_SIZE);
    expect(new Synic(1).ring(0).length).toBe(4 + 4 * facts.limits.HV_SYNIC_EVENT_RING_MESSAGE_COUNT);
  });

  it('queues a second message behind the slot with msg_pending; EOM delivers it', () => {
    const s = new Synic(2);
    s.post(
      1,
      buildMessage(0x10, 0n, () => undefined, 0),
    );
    s.post(
      1,
      buildMessage(0x20, 0n, () => undefined, 0),
    );
    expect(s.pendingCpus()).toEqual([1]);
    const slot = s.slot(1);
    expect(slot[0]).toBe(0x10);
    expect((slot[5] ?? 0) & 1).toBe(1);
    s.endOfMessage(1); // slot still occupied: nothing happens
    expect(slot[0]).toBe(0x10);
    slot.fill(0, 0, 4);
    s.endOfMessage(1);
    expect(slot[0]).toBe(0x20);
    expect(s.queued(1)).toBe(0);
  });

  it('takes messages in order through the machine helper, EOM included', () => {
    const m = smallMachine();
    const c = new Caller(m);
    m.host.synic.post(
      0,
      buildMessage(0x11, 1n, () => undefined, 0),
    );
    m.host.synic.post(
      0,
      buildMessage(0x22, 2n, () => undefined, 0),
    );
    expect(m.takeSint0Message(0)?.[0]).toBe(0x11);
    expect(m.takeSint0Message(0)?.[0]).toBe(0x22);
    expect(m.takeSint0Message(0)).toBeUndefined();
    expect(c.machine.host.sint0PendingCpus()).toEqual([]);
  });
});

describe('describe() (house style: the simulator prints its seed first and every knob)', () => {
  it('starts with the seed and lists the derived knobs, identically for the same seed', () => {
    const a = new SimulatedMachine({ seed: 99 }).describe();
    expect(a[0]).toBe('seed 99');
    expect(a.join('\n')).toMatch(/scheduler core-smt/);
    expect(a.join('\n')).toMatch(/costs createPartitionRoot \d+ initialize \d+ vp \d+/);
    expect(new SimulatedMachine({ seed: 99 }).describe()).toEqual(a);
  });
});

describe('a migration racing a fault-in (UserSpace.armRace, SimulatedHost.faultUserRange)', () => {
  const pfnsOf = (runs: readonly { pfn: number; count: number }[]): number[] =>
    runs.flatMap((x) => Array.from({ length: x.count }, (_, i) => x.pfn + i));

  it('fires inside the next fault-in over its range, after the pages were resolved: the notifier runs first, the answer holds the freed pages, the sequence moved', () => {
    const m = smallMachine();
    const notified: [bigint, number][] = [];
    m.host.mmNotifier = (userAddr, pages) => notified.push([userAddr, pages]);
    expect(m.armMigrationRace(USER_4K + 4n * 4096n, 4)).toBe(true);
    expect(m.armMigrationRace(USER_4K, 1)).toBe(false);
    // A fault-in that does not reach the range leaves it armed.
    const elsewhere = m.host.faultUserRange(USER_4K + 64n * 4096n, 4);
    expect(elsewhere.kind).toBe('ram');
    expect(m.migrationRace).toEqual({ userAddr: USER_4K + 4n * 4096n, pages: 4 });
    const seq = m.host.mmInvalidations();
    const raced = m.host.faultUserRange(USER_4K, 8);
    if (raced.kind !== 'ram') throw new Error('fault');
    expect(notified).toEqual([[USER_4K + 4n * 4096n, 4]]);
    expect(m.host.mmInvalidations()).toBe(seq + 1);
    expect(m.migrationRace).toBeNull();
    const again = m.host.faultUserRange(USER_4K, 8);
    if (again.kind !== 'ram') throw new Error('fault');
    const [was, now] = [pfnsOf(raced.runs), pfnsOf(again.runs)];
    expect(now.slice(0, 4)).toEqual(was.slice(0, 4));
    expect(now.slice(4).filter((p) => was.includes(p))).toEqual([]);
    expect(m.host.mmInvalidations()).toBe(seq + 1);
    expect(m.audit().violations).toEqual([]);
  });

  it('refuses a range that is not whole pages, naming the argument, and arms nothing', () => {
    const m = smallMachine();
    expect(() => m.armMigrationRace(USER_4K + 1n, 1)).toThrow('armRace.userAddr: 0x7f0000000001');
    expect(() => m.armMigrationRace(USER_4K, 0)).toThrow('armRace.pages: 0 is not a positive page count');
    expect(() => m.armMigrationRace(USER_4K, 1.5)).toThrow('armRace.pages');
    expect(m.migrationRace).toBeNull();
  });

  it('residentRuns answers what the mm holds without faulting: -1 for pages not resident or outside RAM', () => {
    const m = smallMachine();
    expect(m.residentUserRuns(USER_4K, 4)).toEqual([{ pfn: -1, count: 4 }]);
    const r = m.host.faultUserRange(USER_4K + 2n * 4096n, 2);
    if (r.kind !== 'ram') throw new Error('fault');
    const held = m.residentUserRuns(USER_4K, 6);
    expect(held[0]).toEqual({ pfn: -1, count: 2 });
    expect(pfnsOf(held.slice(1, -1))).toEqual(pfnsOf(r.runs));
    expect(held.at(-1)).toEqual({ pfn: -1, count: 2 });
    expect(m.residentUserRuns(0x1000n, 3)).toEqual([{ pfn: -1, count: 3 }]);
  });

  it('an armed race is part of the snapshot: the restored machine fires it too, and reads as never armed once fired', () => {
    const m = smallMachine();
    const plain = canonicalJson(m.snapshot());
    m.armMigrationRace(USER_4K, 2);
    const armed = canonicalJson(m.snapshot());
    expect(armed).not.toBe(plain);
    const r = SimulatedMachine.fromSnapshot(JSON.parse(armed));
    if (!r.ok) throw r.error;
    expect(r.value.migrationRace).toEqual({ userAddr: USER_4K, pages: 2 });
    expect(canonicalJson(r.value.snapshot())).toBe(armed);
    const seq = r.value.host.mmInvalidations();
    r.value.host.faultUserRange(USER_4K, 1);
    expect(r.value.host.mmInvalidations()).toBe(seq + 1);
    expect(canonicalJson(r.value.snapshot())).not.toContain('"race"');
    const bad = JSON.parse(armed) as { user: { race: Record<string, unknown> } };
    bad.user.race.extra = 1;
    const refused = SimulatedMachine.fromSnapshot(bad);
    expect(refused.ok ? undefined : refused.error.path).toBe('$.user.race.extra');
  });
});

describe('UserSpace.residentRuns over holes', () => {
  it('answers a hole of any length as one run, however far the range reaches past the VMAs', () => {
    const m = smallMachine();
    const r = m.host.faultUserRange(USER_4K, 2);
    if (r.kind !== 'ram') throw new Error('fault');
    const before = USER_4K - (1n << 40n);
    const runs = m.residentUserRuns(before, 2 ** 28 + 4);
    expect(runs[0]).toEqual({ pfn: -1, count: 2 ** 28 });
    expect(runs.slice(1, -1).reduce((n, x) => n + x.count, 0)).toBe(2);
    expect(runs.at(-1)).toEqual({ pfn: -1, count: 2 });
  });
});
