import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemorySink, type MapMemorySpec } from '../../src/api/index.js';
import { fail } from '../../src/pipeline/driver/IoctlResult.js';
import { MshvDevice } from '../../src/pipeline/driver/MshvDevice.js';
import { GiB, RAM_USER_ADDR, must, running, testHost } from './hostRig.js';

const U64 = 1n << 64n;

// A test double (a spy on the driver model) never outlives its test, even one that failed.
afterEach(() => {
  vi.restoreAllMocks();
});

describe('partition.mapMemory', () => {
  it.each<[Partial<MapMemorySpec>, string, string]>([
    [{ size: 0n }, 'size', 'nonZero'],
    [{ size: 4095n }, 'size', 'pageAligned'],
    [{ userAddr: RAM_USER_ADDR + 1n }, 'userAddr', 'pageAligned'],
    [{ size: U64 }, 'size', 'u64'],
    [{ guestPfn: -1n }, 'guestPfn', 'u64'],
    [{ guestPfn: 1.5 }, 'guestPfn', 'u64'],
    [{ userAddr: U64 - 4096n, size: 8192n }, 'size', 'noWrap'],
    [{ guestPfn: (1n << 52n) - 1n, size: 8192n }, 'size', 'noWrap'],
    [{ writable: 'yes' as never }, 'writable', 'boolean'],
  ])('refuses %o naming %s (%s) and leaves no record and no state', (bad, field, rule) => {
    const sink = new MemorySink();
    const host = testHost({ log: sink });
    const p = must(host.createPartition({ flags: ['GPA_SUPER_PAGES'] }));
    must(p.initialize());
    const records = sink.records.length;
    const state = p.state;
    const r = p.mapMemory({ guestPfn: 0n, size: GiB, userAddr: RAM_USER_ADDR, writable: true, ...bad });
    expect(r).toMatchObject({ ok: false, error: { source: 'argument', errnoName: 'EINVAL', field, rule } });
    expect(!r.ok && r.error.message).toContain(`${field}:`);
    expect(sink.records.length).toBe(records);
    expect(p.state).toBe(state);
  });

  it('maps and unmaps a region; a second map of the same GFN is refused EEXIST by the machine', () => {
    const host = testHost();
    const p = must(host.createPartition({ flags: ['GPA_SUPER_PAGES'] }));
    must(p.initialize());
    const ram = must(p.mapMemory({ guestPfn: 0n, size: GiB, userAddr: RAM_USER_ADDR, writable: true }));
    expect(ram).toMatchObject({ key: 'gpfn:0x0', size: GiB, writable: true, executable: false });
    expect(Object.isFrozen(ram)).toBe(true);
    expect(p.phase).toBe('configured');
    expect(p.mapMemory({ guestPfn: 0n, size: 4096n, userAddr: RAM_USER_ADDR })).toMatchObject({
      ok: false,
      error: { source: 'refused', errnoName: 'EEXIST', rule: 'regionNotMapped' },
    });
    expect(p.unmapMemory(ram).ok).toBe(true);
    expect(p.unmapMemory(ram)).toMatchObject({
      ok: false,
      error: { errnoName: 'ENOENT', rule: 'regionMapped' },
    });
  });

  it.each<[string, (ram: { guestPfn: bigint; size: bigint; userAddr: bigint }) => object, string]>([
    ['a smaller size', () => ({ size: 4096n }), 'size'],
    ['another user address', (r) => ({ userAddr: r.userAddr + 0x20_0000n }), 'userAddr'],
    ['a GFN inside the region', (r) => ({ key: 'gpfn:0x101', guestPfn: r.guestPfn + 1n }), 'guestPfn'],
  ])(
    'an unmap with %s is EINVAL (wholeRegion: start GFN, address and size must match, inventory §c.4); the region stays mapped',
    (_what, edit, field) => {
      const sink = new MemorySink();
      const host = testHost({ log: sink });
      const p = must(host.createPartition({ flags: ['GPA_SUPER_PAGES'] }));
      must(p.initialize());
      const ram = must(
        p.mapMemory({ guestPfn: 0x100n, size: 0x40_0000n, userAddr: RAM_USER_ADDR, writable: true }),
      );
      const records = sink.records.length;
      const r = p.unmapMemory({ ...ram, ...edit(ram) });
      expect(r).toMatchObject({
        ok: false,
        error: { source: 'argument', errnoName: 'EINVAL', field, rule: 'wholeRegion' },
      });
      expect(sink.records.length).toBe(records);
      // Still mapped: a second map of its GFN is EEXIST, and the handle mapMemory returned unmaps it.
      expect(p.mapMemory({ guestPfn: 0x100n, size: 4096n, userAddr: RAM_USER_ADDR })).toMatchObject({
        ok: false,
        error: { errnoName: 'EEXIST' },
      });
      expect(p.unmapMemory(ram).ok).toBe(true);
    },
  );

  it('an unmap of a GFN no region contains is ENOENT (NEW kernels; ORIG answered EINVAL)', () => {
    const host = testHost();
    const p = must(host.createPartition({ flags: ['GPA_SUPER_PAGES'] }));
    must(p.initialize());
    const ram = must(p.mapMemory({ guestPfn: 0x100n, size: 0x40_0000n, userAddr: RAM_USER_ADDR }));
    expect(p.unmapMemory({ ...ram, key: 'gpfn:0x100', guestPfn: 0x9000n })).toMatchObject({
      ok: false,
      error: { errnoName: 'ENOENT', rule: 'regionMapped' },
    });
    expect(p.unmapMemory(ram).ok).toBe(true);
  });

  it('a GFN overlap reaches the driver: EEXIST from MSHV_SET_GUEST_MEMORY, the region is not kept', () => {
    const host = testHost();
    const { partition } = running(host, 1);
    const r = partition.mapMemory({ guestPfn: 0x100n, size: 0x20_0000n, userAddr: RAM_USER_ADDR });
    expect(r).toMatchObject({
      ok: false,
      error: { source: 'driver', errnoName: 'EEXIST', op: 'MSHV_SET_GUEST_MEMORY' },
    });
    expect(r.ok || r.error.rule).toBeUndefined();
  });
});

describe('partition lifecycle through the API', () => {
  it('takes MSI routes and irqfds before INITIALIZE: no hypercall, the kernel does not check pt_initialized (§c.3)', () => {
    const host = testHost();
    const p = must(host.createPartition({ flags: [] }));
    const before = host.stats().hypercalls;
    must(p.setMsiRouting([{ gsi: 24, addressLo: 0xfee0_0000, data: 0x30 }]));
    const irq = must(p.assignIrqfd({ gsi: 24 }));
    expect(host.stats().hypercalls).toEqual(before);
    expect(p.phase).toBe('created');
    must(p.initialize());
    must(p.deassignIrqfd(irq));
    must(p.close());
  });

  it('refuses out of phase with the rule errno: configure before initialize (EIO), start twice (EINVAL)', () => {
    const host = testHost();
    const p = must(host.createPartition({ flags: [] }));
    expect(p.createVp(0)).toMatchObject({
      ok: false,
      error: { source: 'refused', errnoName: 'EIO', rule: 'configurationAfterInitialize' },
    });
    expect(p.vps.size).toBe(0);
    const { partition } = running(host, 1, 'live');
    expect(partition.start()).toMatchObject({
      ok: false,
      error: { errnoName: 'EINVAL', rule: 'requestLegalInPhase' },
    });
    expect(partition.freezeTime()).toMatchObject({
      ok: false,
      error: { errnoName: 'EBUSY', rule: 'timeFreezeOnlyWithVpsParked' },
    });
  });

  it('rule 4: a createVp the driver fails EINTR is made again; the VP is created once', () => {
    const host = testHost();
    const p = must(host.createPartition({ flags: ['LAPIC'] }));
    must(p.initialize());
    const create = vi
      .spyOn(MshvDevice.prototype, 'createVp')
      .mockReturnValueOnce(fail('MSHV_CREATE_VP', 'EINTR', 'a test double: a killable wait interrupted'));
    const vp = must(p.createVp(0));
    expect(create).toHaveBeenCalledTimes(2);
    create.mockRestore();
    expect([vp.state, [...p.vps.keys()], p.phase]).toEqual(['idle', [0], 'configured']);
    must(host.close());
  });

  it('checks VP indexes before anything runs (rule 10) and refuses a slot twice (EEXIST)', () => {
    const host = testHost();
    const { partition } = running(host, 1);
    for (const index of [-1, 1.5, 256, Number.NaN])
      expect(partition.createVp(index)).toMatchObject({
        ok: false,
        error: { source: 'argument', field: 'index', rule: 'vpIndexBelowMax' },
      });
    expect(partition.createVp(0)).toMatchObject({
      ok: false,
      error: { errnoName: 'EEXIST', rule: 'vpSlotFree' },
    });
    expect(must(partition.createVp(255)).index).toBe(255);
  });

  it('writes the reference time only while frozen (rule 2); properties by known name', () => {
    const host = testHost();
    const { partition } = running(host, 1);
    expect(partition.setReferenceTime(5n)).toMatchObject({
      ok: false,
      error: { rule: 'referenceTimeOnlyWhileFrozen' },
    });
    expect(partition.setProperty('NO_SUCH_PROPERTY', 1n)).toMatchObject({
      ok: false,
      error: { field: 'name', rule: 'knownProperty' },
    });
    expect(partition.setProperty('TIME_FREEZE', 1n)).toMatchObject({
      ok: false,
      error: { rule: 'propertyNotManaged' },
    });
    must(partition.pause());
    expect(partition.setReferenceTime(5n).ok).toBe(true);
    expect(partition.setReferenceTime(1n << 64n)).toMatchObject({
      ok: false,
      error: { field: 'value', rule: 'u64' },
    });
    must(partition.resume());
    expect(partition.phase).toBe('running');
  });

  it('dirty tracking follows rule 7: read only while enabled, mark all before disabling', () => {
    const host = testHost();
    const { partition } = running(host, 1);
    expect(partition.readDirty(16, 0n)).toMatchObject({
      ok: false,
      error: { errnoName: 'EPERM', rule: 'dirtyTrackingEnabled' },
    });
    must(partition.enableDirtyTracking());
    for (const pages of [0, 65_537, 2.5])
      expect(partition.readDirty(pages, 0n)).toMatchObject({
        ok: false,
        error: { source: 'argument', field: 'pages', rule: 'dirtyReadWithinBitmapMax' },
      });
    const first = must(partition.readDirty(20, 0x10n));
    expect([first.pages, first.count, first.base]).toEqual([20, 20, 0x10n]);
    expect(must(partition.readDirty(20, 0x10n)).count).toBe(0);
    expect(partition.disableDirtyTracking()).toMatchObject({
      ok: false,
      error: { rule: 'allPagesMarkedDirtyBeforeDisable' },
    });
    must(partition.markAllDirty());
    expect(partition.disableDirtyTracking().ok).toBe(true);
  });

  it('rule 7: a region mapped while tracking is on is reported dirty on its first read', () => {
    const host = testHost();
    const p = must(host.createPartition({ flags: ['LAPIC', 'GPA_SUPER_PAGES'] }));
    must(p.initialize());
    const MiB2 = 0x20_0000n;
    must(p.mapMemory({ guestPfn: 0n, size: MiB2, userAddr: RAM_USER_ADDR, writable: true }));
    must(p.createVp(0));
    must(p.start());
    must(p.enableDirtyTracking());
    expect(must(p.readDirty(512, 0n)).count).toBe(512);
    expect(must(p.readDirty(512, 0n)).count).toBe(0);
    must(p.mapMemory({ guestPfn: 0x1000n, size: MiB2, userAddr: RAM_USER_ADDR + MiB2, writable: true }));
    expect(must(p.readDirty(16, 0x1000n)).count).toBe(16);
    // Read and clear: the rest of the new region once, the old region not at all.
    expect(must(p.readDirty(512, 0x1000n)).count).toBe(512 - 16);
    expect(must(p.readDirty(512, 0n)).count).toBe(0);
    must(p.markAllDirty());
    must(p.disableDirtyTracking());
    // Mapped with tracking off: nothing to read (tracking is off), and enabling reports it all.
    must(p.mapMemory({ guestPfn: 0x2000n, size: MiB2, userAddr: RAM_USER_ADDR + 2n * MiB2, writable: true }));
    must(p.enableDirtyTracking());
    expect(must(p.readDirty(512, 0x2000n)).count).toBe(512);
  });

  it('rule 1: PRIVILEGE_FLAGS after initialize is refused by the machine (EIO), as the hypervisor would', () => {
    const host = testHost();
    const p = must(host.createPartition({ flags: ['LAPIC'] }));
    must(p.initialize());
    expect(p.setProperty('PRIVILEGE_FLAGS', 1n)).toMatchObject({
      ok: false,
      error: { source: 'refused', errnoName: 'EIO', rule: 'earlyPropertyOnlyBeforeInitialize' },
    });
    // Rule 1's processors-per-socket has no property code in the reference: not a known name.
    expect(p.setProperty('PROCESSORS_PER_SOCKET', 2n)).toMatchObject({
      ok: false,
      error: { source: 'argument', field: 'name', rule: 'knownProperty' },
    });
  });

  it('rule 1: unmapping the last region leaves the phase configured; post-init properties follow what is configured now', () => {
    const host = testHost();
    const p = must(host.createPartition({ flags: ['GPA_SUPER_PAGES'] }));
    must(p.initialize());
    const ram = must(
      p.mapMemory({ guestPfn: 0n, size: 0x20_0000n, userAddr: RAM_USER_ADDR, writable: true }),
    );
    expect(p.setProperty('UNIMPLEMENTED_MSR_ACTION', 1n)).toMatchObject({
      ok: false,
      error: { errnoName: 'EPERM', rule: 'postInitPropertyBeforeConfiguration' },
    });
    must(p.unmapMemory(ram));
    expect(p.phase).toBe('configured');
    // No VP, region or intercept is left: the partition is configured with nothing, as the guide says.
    must(p.setProperty('UNIMPLEMENTED_MSR_ACTION', 1n));
    must(p.start());
  });

  it('intercepts by known kind', () => {
    const host = testHost();
    const { partition } = running(host, 1);
    expect(partition.installIntercept('X64_CPUID', { parameter: 0x4000_0000n }).ok).toBe(true);
    expect(partition.installIntercept('X64_NMI' as never)).toMatchObject({
      ok: false,
      error: { field: 'kind', rule: 'knownInterceptKind' },
    });
    expect(partition.installIntercept('X64_MSR', { access: 8 })).toMatchObject({
      ok: false,
      error: { field: 'access', rule: 'accessBits' },
    });
  });
});

describe('eventfds and MSI routing', () => {
  it('the host makes the eventfds of irqfds and ioeventfds and closes them on deassign', () => {
    const host = testHost();
    const { partition } = running(host, 1);
    const irq = must(partition.assignIrqfd({ gsi: 24 }));
    const bell = must(partition.assignIoeventfd({ addr: 0x10_0000_0000n, len: 8 }));
    expect(bell).toMatchObject({ len: 8, datamatch: null });
    expect(bell.fd).toBeGreaterThan(irq.fd);
    expect(partition.deassignIoeventfd(bell).ok).toBe(true);
    expect(partition.deassignIoeventfd(bell)).toMatchObject({ ok: false, error: { errnoName: 'ENOENT' } });
    expect(partition.deassignIrqfd(irq).ok).toBe(true);
  });

  it('a deassign of an eventfd the partition does not hold so is ENOENT and closes nothing (inventory §c.11)', () => {
    const sink = new MemorySink();
    const host = testHost({ log: sink });
    const { partition } = running(host, 1);
    // A level-triggered route (data bit 15): a resample irqfd needs one.
    must(partition.setMsiRouting([{ gsi: 24, addressLo: 0xfee0_0000, data: 0x8030 }]));
    const irq = must(partition.assignIrqfd({ gsi: 24, resample: true }));
    const bell = must(partition.assignIoeventfd({ addr: 0x1000n, len: 4, datamatch: 7n }));
    const records = sink.records.length;
    const refused = (r: { ok: boolean }, field: string, rule: string): void => {
      expect(r).toMatchObject({ ok: false, error: { source: 'argument', errnoName: 'ENOENT', field, rule } });
    };
    // The doorbell's eventfd named as an irqfd, and the irqfd on another gsi: the kernel matches neither.
    refused(partition.deassignIrqfd({ fd: bell.fd, gsi: 24, resamplefd: null }), 'irqfd.fd', 'irqfdAssigned');
    refused(partition.deassignIrqfd({ ...irq, gsi: 25 }), 'irqfd.gsi', 'irqfdAssigned');
    refused(
      partition.deassignIoeventfd({ ...bell, datamatch: 8n }),
      'ioeventfd.datamatch',
      'ioeventfdAssigned',
    );
    refused(partition.deassignIoeventfd({ ...bell, len: 8 }), 'ioeventfd.len', 'ioeventfdAssigned');
    expect(sink.records.length).toBe(records);
    // The irqfd still works, and both still deassign, closing their own eventfds: a caller's copy of
    // the irqfd without its resamplefd still releases the one the host made.
    must(partition.signalIrqfd(irq));
    must(partition.deassignIoeventfd(bell));
    must(partition.deassignIrqfd({ ...irq, resamplefd: null }));
    const release = sink.records.filter((r) => r.kind === 'operation' && r.name === 'MSHV_IRQFD').at(-1);
    expect(release).toMatchObject({ args: { fd: irq.fd, resamplefd: irq.resamplefd, release: true } });
    expect(partition.signalIrqfd(irq)).toMatchObject({
      ok: false,
      error: { errnoName: 'ENOENT', rule: 'irqfdAssigned' },
    });
  });

  it('checks ioeventfd arguments (inventory §c.11) and refuses PIO (rule 10)', () => {
    const host = testHost();
    const { partition } = running(host, 1);
    expect(partition.assignIoeventfd({ addr: 0x1000n, len: 3 })).toMatchObject({
      ok: false,
      error: { field: 'len', rule: 'ioeventfdLength' },
    });
    // addr + len reaching 2^64 wraps the kernel's u64 sum to 0: refused too.
    for (const addr of [(1n << 64n) - 2n, (1n << 64n) - 4n])
      expect(partition.assignIoeventfd({ addr, len: 4 })).toMatchObject({
        ok: false,
        error: { source: 'argument', field: 'len', rule: 'noWrap' },
      });
    expect(partition.assignIoeventfd({ addr: 0x60n, len: 1, pio: true })).toMatchObject({
      ok: false,
      error: { source: 'refused', errnoName: 'EOPNOTSUPP', rule: 'ioeventfdNotPio' },
    });
  });

  it('a resample irqfd without a level-triggered route fails in the driver; its eventfds are closed again', () => {
    const sink = new MemorySink();
    const host = testHost({ log: sink });
    const { partition } = running(host, 1);
    must(partition.setMsiRouting([{ gsi: 24, addressLo: 0xfee0_0000, data: 0x30 }]));
    const r = partition.assignIrqfd({ gsi: 24, resample: true });
    expect(r).toMatchObject({
      ok: false,
      error: { source: 'driver', errnoName: 'EINVAL', op: 'MSHV_IRQFD' },
    });
    // The next eventfds reuse nothing (fds are never reused); an assign still works.
    const irq = must(partition.assignIrqfd({ gsi: 24 }));
    expect(irq.resamplefd).toBeNull();
  });

  it('rule 6: a table refused by the machine (EBUSY while a pause is stalled, EBADF after close) or failed by the driver leaves msiRoutes as it was', () => {
    // TIME_FREEZE, the pause's last step, fails once: the partition stays `pausing`.
    const host = testHost({ faults: [{ call: 'SET_PARTITION_PROPERTY', nth: 1, status: 'ACCESS_DENIED' }] });
    const { partition } = running(host, 1);
    const good = [{ gsi: 24, addressLo: 0xfee0_0000, data: 0x30 }];
    const other = [{ gsi: 25, addressLo: 0xfee0_1000, data: 0x31 }];
    must(partition.setMsiRouting(good));
    // The simulated driver refuses nothing the API has not checked first: a double fails this one.
    const driver = vi
      .spyOn(MshvDevice.prototype, 'setMsiRouting')
      .mockReturnValueOnce(fail('MSHV_SET_MSI_ROUTING', 'ENOMEM', 'a test double fails the replace'));
    expect(partition.setMsiRouting(other)).toMatchObject({
      ok: false,
      error: { source: 'driver', errnoName: 'ENOMEM' },
    });
    driver.mockRestore();
    expect(partition.msiRoutes).toEqual(good);
    expect(partition.pause()).toMatchObject({ ok: false, error: { source: 'driver' } });
    expect(partition.phase).toBe('pausing');
    expect(partition.setMsiRouting(other)).toMatchObject({
      ok: false,
      error: { source: 'refused', errnoName: 'EBUSY', rule: 'noSequenceInProgress' },
    });
    expect(partition.msiRoutes).toEqual(good);
    must(partition.pause());
    must(partition.close());
    expect(partition.setMsiRouting(other)).toMatchObject({ ok: false, error: { errnoName: 'EBADF' } });
    expect(partition.msiRoutes).toEqual(good);
  });

  it('MSI routes are checked entry by entry; the shadow keeps the table last installed (rule 6)', () => {
    const host = testHost();
    const { partition } = running(host, 1);
    const good = [{ gsi: 24, addressLo: 0xfee0_0000, data: 0x30 }];
    must(partition.setMsiRouting(good));
    expect(partition.msiRoutes).toEqual(good);
    const cases: [unknown[], string, string][] = [
      [[{ gsi: 4096, addressLo: 0, data: 0 }], 'entries[0].gsi', 'gsiBelowMax'],
      [[good[0], { gsi: 24, addressLo: 0, data: 0 }], 'entries[1].gsi', 'gsiUnique'],
      [[{ gsi: 1, addressLo: 0, addressHi: 1, data: 0 }], 'entries[0].addressHi', 'addressHiZero'],
      [[{ gsi: 1, addressLo: -1, data: 0 }], 'entries[0].addressLo', 'u32'],
      [Array.from({ length: 4097 }, (_, gsi) => ({ gsi, addressLo: 0, data: 0 })), 'entries', 'msiTableMax'],
    ];
    for (const [entries, field, rule] of cases)
      expect(partition.setMsiRouting(entries as never)).toMatchObject({ ok: false, error: { field, rule } });
    expect(partition.msiRoutes).toEqual(good);
    // A member an MsiRoute does not have is refused, naming it (a misspelt one would be lost).
    const extra = { gsi: 25, addressLo: 0xfee0_1000, addressHi: 0, data: 0x31, note: 'nic' };
    expect(partition.setMsiRouting([extra])).toMatchObject({
      ok: false,
      error: { field: 'entries[0].note', rule: 'unknown-field' },
    });
    expect(partition.msiRoutes).toEqual(good);
    // The shadow is the checked table, not the caller's objects.
    const route = { gsi: 25, addressLo: 0xfee0_1000, addressHi: 0, data: 0x31 };
    must(partition.setMsiRouting([route]));
    route.data = 0x32;
    expect(partition.msiRoutes).toEqual([{ gsi: 25, addressLo: 0xfee0_1000, data: 0x31 }]);
    must(partition.setMsiRouting([]));
    expect(partition.msiRoutes).toEqual([]);
  });
});
