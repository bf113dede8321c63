import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CREATE_ATTEMPTS_MAX, Host, MemorySink, PRODUCT_VERSION } from '../../src/api/index.js';
import type { GuestExit } from '../../src/scenario/Scenario.js';
import { fail } from '../../src/pipeline/driver/IoctlResult.js';
import { MshvDevice } from '../../src/pipeline/driver/MshvDevice.js';
import { openLog } from '../../src/log/LogReader.js';
import { readRunMeta } from '../../src/replay/RunMeta.js';
import { replayLog } from '../../src/replay/replayLog.js';
import { useTempDir } from '../log/tempDir.js';
import { GiB, RAM_USER_ADDR, must, running, testHost } from './hostRig.js';
import packageJson from '../../package.json' with { type: 'json' };

// A test double (a spy on the driver model) never outlives its test, even one that failed.
afterEach(() => {
  vi.restoreAllMocks();
});

/** A host logging to `path` over 1 GiB of movable 4 KiB-backed RAM, with one running partition of one VP. */
function movableHost(path: string) {
  const host = testHost({
    seed: 13,
    log: path,
    ramRegions: 'movable',
    hostMemory: [{ kind: 'ram', userAddr: RAM_USER_ADDR, size: GiB, pageSize: 4096 }],
  });
  const { partition, vps } = running(host, 1);
  return { path, host, partition, vp: vps[0]! };
}

describe('Host.open', () => {
  const tempDir = useTempDir();

  it.each([
    [{ seed: -1 }, 'options.seed'],
    [{ seed: 2 ** 32 }, 'options.seed'],
    [{ scheduler: 'fifo' as never }, 'options.scheduler'],
    [
      {
        hostMemory: [{ kind: 'ram' as const, userAddr: RAM_USER_ADDR, size: 4095n, pageSize: 4096 as const }],
      },
      'options.hostMemory[0].size',
    ],
    [
      { faults: [{ call: 'NO_SUCH_CALL' as never, nth: 1, status: 'ACCESS_DENIED' }] },
      'options.faults[0].call',
    ],
    [{ adapter: 'native' as never }, 'options.adapter'],
    [{ log: 42 as never }, 'options.log'],
    [{ hostRamBytes: 0n }, 'options.hostRamBytes'],
    [{ hostRamBytes: 1n }, 'options.hostRamBytes'],
    [{ hostRamBytes: (1n << 30n) + 4095n }, 'options.hostRamBytes'],
    [
      {
        hostRamBytes: 1n << 20n,
        hostMemory: [{ kind: 'ram' as const, userAddr: RAM_USER_ADDR, size: GiB, pageSize: 4096 as const }],
      },
      'options.hostRamBytes',
    ],
    [{ repTimeSlice: 0 }, 'options.repTimeSlice'],
    [{ dispatchInterruptInjection: 'yes' as never }, 'options.dispatchInterruptInjection'],
    [{ mapVpRegisterPages: 1 as never }, 'options.mapVpRegisterPages'],
    [null as never, 'options'],
    [5 as never, 'options'],
    [{ hostMemory: null as never }, 'options.hostMemory'],
    [{ hostMemory: [null as never] }, 'options.hostMemory[0]'],
  ])('refuses bad options naming the field: %o', (options, field) => {
    const r = Host.open(options);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ source: 'argument', errnoName: 'EINVAL', field });
    expect(r.error.message).toContain(field);
  });

  it('never overwrites a log (EEXIST) and names a missing directory (ENOENT)', () => {
    const dir = tempDir();
    writeFileSync(`${dir}/taken.log`, 'x');
    expect(Host.open({ log: `${dir}/taken.log` })).toMatchObject({
      ok: false,
      error: { source: 'host', errnoName: 'EEXIST', field: 'options.log' },
    });
    expect(Host.open({ log: `${dir}/missing/run.log` })).toMatchObject({
      ok: false,
      error: { errnoName: 'ENOENT', field: 'options.log' },
    });
  });

  it('writes a log whose header carries the seed and the world, and that replays identically', () => {
    const path = `${tempDir()}/run.log`;
    const host = testHost({ seed: 11, log: path, hostRamBytes: 3n << 30n });
    expect(host.logPath).toBe(path);
    running(host, 1);
    must(host.close());
    const log = openLog(path);
    try {
      expect(log.header).toMatchObject({ seed: '11', productVersion: PRODUCT_VERSION });
      const meta = readRunMeta(log.header);
      if (!meta.ok) throw new Error(meta.error);
      expect(meta.value).toMatchObject({ vocabulary: 'control-plane', hostRamBytes: 3n << 30n });
      const world = meta.value.world;
      expect(world).toEqual(host.world());
      expect(world.hostMemory).toEqual([
        { kind: 'ram', userAddr: RAM_USER_ADDR, size: GiB, pageSize: 2097152 },
      ]);
      expect(log.verify()).toMatchObject({ ok: true, closed: true });
    } finally {
      log.close();
    }
    expect(replayLog(path)).toMatchObject({ status: 'identical', complete: true });
  });

  it('with mapVpRegisterPages, logs the VMM, closes to a clean hypervisor, and replays identically', () => {
    const path = `${tempDir()}/vmm.log`;
    const host = testHost({ seed: 12, log: path, mapVpRegisterPages: true });
    running(host, 2);
    must(host.close());
    expect(host.audit()).toEqual({ ok: true, violations: [], leakedPages: 0 });
    const log = openLog(path);
    try {
      const meta = readRunMeta(log.header);
      expect(meta.ok && meta.value.vmm).toEqual({ mapVpRegisterPages: true });
    } finally {
      log.close();
    }
    expect(replayLog(path)).toMatchObject({ status: 'identical', complete: true });
  });

  it('ramRegions movable: a run faults guest RAM in beneath the VMM, the host closes clean, and the log replays identically', async () => {
    const path = `${tempDir()}/movable.log`;
    const host = testHost({ seed: 13, log: path, ramRegions: 'movable' });
    expect(host.world().kernel).toEqual({ ramRegions: 'movable' });
    const { partition, vps } = running(host, 1);
    const vp = vps[0]!;
    host.guest(partition, vp).exits([
      { exit: 'MMIO', gpa: 0x20_0000n, write: true, size: 8, value: 1n },
      { exit: 'IO_PORT', port: 0x3f8, write: true, size: 1, value: 0x41 },
    ]);
    // The RAM write is a GPA intercept MSHV_RUN_VP resolves itself: the VMM sees the port write.
    expect(must(await vp.run())).toMatchObject({ kind: 'IO_PORT', port: 0x3f8 });
    must(host.close());
    expect(host.audit()).toEqual({ ok: true, violations: [], leakedPages: 0 });
    expect(replayLog(path)).toMatchObject({ status: 'identical', complete: true });
  });

  it('migrateUserPages under movable RAM: the MMU notifier forgets the chunk, its pages move, the next access faults it in again; the host closes clean and the log replays identically', async () => {
    const { path, host, partition, vp } = movableHost(`${tempDir()}/migrate.log`);
    const touch: GuestExit[] = [
      { exit: 'MMIO', gpa: 0x20_0000n, write: true, size: 8, value: 1n },
      { exit: 'IO_PORT', port: 0x3f8, write: true, size: 1, value: 0x41 },
    ];
    host.guest(partition, vp).exits(touch);
    const out = must(await vp.run());
    expect(out).toMatchObject({ kind: 'IO_PORT' });
    must(vp.skipInstruction(out));
    const maps = (): number => host.stats().byName.find(([n]) => n === 'MAP_GPA_PAGES')?.[1] ?? 0;
    const before = maps();
    expect(must(host.migrateUserPages(RAM_USER_ADDR + 0x20_0000n, 0x20_0000n))).toEqual({
      regions: 1,
      failed: 0,
      moved: 512,
      pinned: 0,
      mappedFreed: 0,
    });
    // The notifier's remap (one list of 509 PFNs and one of 3) before the pages moved.
    expect(maps() - before).toBe(2);
    host.guest(partition, vp).exits(touch);
    expect(must(await vp.run())).toMatchObject({ kind: 'IO_PORT' });
    expect(maps() - before).toBe(4);
    must(host.close());
    expect(host.audit()).toEqual({ ok: true, violations: [], leakedPages: 0 });
    expect(replayLog(path)).toMatchObject({ status: 'identical', complete: true });
  });

  it.each([
    [RAM_USER_ADDR + 1n, 0x1000n, 'userAddr', 'pageAligned'],
    [RAM_USER_ADDR, 0n, 'size', 'nonZero'],
    [RAM_USER_ADDR, 0x1800n, 'size', 'pageAligned'],
    [(1n << 64n) - 0x1000n, 0x2000n, 'size', 'noWrap'],
    [-0x1000n, 0x1000n, 'userAddr', 'u64'],
  ])(
    'migrateUserPages(%s, %s) is refused EINVAL naming %s (%s), and nothing is recorded',
    (addr, size, field, rule) => {
      const sink = new MemorySink();
      const host = testHost({ log: sink });
      expect(host.migrateUserPages(addr, size)).toMatchObject({
        ok: false,
        error: { source: 'argument', errnoName: 'EINVAL', field, rule },
      });
      expect(sink.records).toEqual([]);
    },
  );

  it('migrateUserPages with { during: nextFaultIn } races the next fault-in: the guest still reaches the VMM, the host closes clean and the log replays identically', async () => {
    const { path, host, partition, vp } = movableHost(`${tempDir()}/race.log`);
    expect(must(host.migrateUserPages(RAM_USER_ADDR, 0x20_0000n, { during: 'nextFaultIn' }))).toEqual({
      regions: 0,
      failed: 0,
      moved: 0,
      pinned: 0,
      mappedFreed: 0,
    });
    expect(host.migrateUserPages(RAM_USER_ADDR, 0x1000n, { during: 'nextFaultIn' })).toMatchObject({
      ok: false,
      error: { errnoName: 'EBUSY' },
    });
    host.guest(partition, vp).exits([
      { exit: 'MMIO', gpa: 0x1000n, write: true, size: 8, value: 1n },
      { exit: 'IO_PORT', port: 0x3f8, write: true, size: 1, value: 0x41 },
    ]);
    expect(must(await vp.run())).toMatchObject({ kind: 'IO_PORT' });
    // Fired: another can be armed now.
    must(host.migrateUserPages(RAM_USER_ADDR, 0x1000n, { during: 'nextFaultIn' }));
    must(host.close());
    expect(host.audit()).toEqual({ ok: true, violations: [], leakedPages: 0 });
    expect(replayLog(path)).toMatchObject({ status: 'identical', complete: true });
  });

  it.each([
    [{ during: 'now' }, 'options.during', 'oneOf'],
    [{ when: 'nextFaultIn' }, 'options.when', 'unknown-field'],
    [null, 'options', 'object'],
  ])(
    'migrateUserPages options %j are refused EINVAL naming %s (%s), and nothing is recorded',
    (options, field, rule) => {
      const sink = new MemorySink();
      const host = testHost({ log: sink });
      expect(host.migrateUserPages(RAM_USER_ADDR, 0x1000n, options as never)).toMatchObject({
        ok: false,
        error: { source: 'argument', errnoName: 'EINVAL', field, rule },
      });
      expect(sink.records).toEqual([]);
    },
  );

  it('ramRegions takes pinned or movable; anything else is refused naming options.ramRegions', () => {
    const r = Host.open({ ramRegions: 'hmm' as 'movable' });
    expect(r).toMatchObject({ ok: false, error: { source: 'argument', field: 'options.ramRegions' } });
  });

  it('describes the seed first; the product version is the package.json version', () => {
    expect(testHost({ seed: 99 }).describe()[0]).toBe('seed 99');
    expect(PRODUCT_VERSION).toBe(packageJson.version);
  });
});

describe('host.createPartition', () => {
  it.each([
    [{ flags: ['LAPIC', 'APIC'] }, 'flags[1]', 'knownFlag'],
    [{ flags: ['LAPIC', 'LAPIC'] }, 'flags[1]', 'duplicateFlag'],
    [{ flags: 'LAPIC' }, 'flags', 'array'],
    [{ flags: [], disabledXsave: 1n }, 'disabledXsave', 'needsCpuAndXsaveFeatures'],
    [{ flags: ['CPU_AND_XSAVE_FEATURES'], disabledCpuFeatures: [1n] }, 'disabledCpuFeatures', 'length'],
    [{ name: 'a/b', flags: [] }, 'name', 'partitionName'],
    [{ name: '', flags: [] }, 'name', 'partitionName'],
  ])('refuses %o naming %s (%s), and nothing is recorded', (spec, field, rule) => {
    const sink = new MemorySink();
    const host = testHost({ log: sink });
    const r = host.createPartition(spec as never);
    expect(r).toMatchObject({ ok: false, error: { source: 'argument', errnoName: 'EINVAL', field, rule } });
    expect(sink.records).toEqual([]);
    expect(host.partitions).toEqual([]);
  });

  it('rule 4: a create the driver fails EINTR or EAGAIN is made again, up to CREATE_ATTEMPTS_MAX attempts; each attempt is an intent', () => {
    const sink = new MemorySink();
    const host = testHost({ log: sink });
    const interrupted = (errno: 'EINTR' | 'EAGAIN') => fail('MSHV_CREATE_PARTITION', errno, 'a test double');
    const create = vi
      .spyOn(MshvDevice.prototype, 'createPartition')
      .mockReturnValueOnce(interrupted('EINTR'))
      .mockReturnValueOnce(interrupted('EAGAIN'));
    const vm = must(host.createPartition({ name: 'vm0', flags: ['LAPIC'] }));
    expect(create).toHaveBeenCalledTimes(3);
    expect(vm.phase).toBe('created');
    const intents = sink.records.filter((r) => r.kind === 'intent' && r.name === 'createPartition');
    expect(intents).toHaveLength(3);
    // Bounded: a driver that never stops failing EINTR is answered EINTR after the last attempt.
    create.mockClear();
    create.mockReturnValue(interrupted('EINTR'));
    expect(host.createPartition({ name: 'vm1', flags: [] })).toMatchObject({
      ok: false,
      error: { source: 'driver', errnoName: 'EINTR' },
    });
    expect(create).toHaveBeenCalledTimes(CREATE_ATTEMPTS_MAX);
    // Any other failure, and a refusal, is answered at once.
    create.mockClear();
    create.mockReturnValue(fail('MSHV_CREATE_PARTITION', 'ENOMEM', 'a test double'));
    expect(host.createPartition({ name: 'vm1', flags: [] })).toMatchObject({
      error: { errnoName: 'ENOMEM' },
    });
    expect(create).toHaveBeenCalledTimes(1);
    create.mockRestore();
    expect(host.createPartition({ name: 'vm0', flags: [] })).toMatchObject({
      error: { source: 'refused', errnoName: 'EEXIST' },
    });
    must(host.close());
  });

  it('names partitions vm0, vm1 … by default; a name in use is refused EEXIST by the control plane', () => {
    const host = testHost();
    expect(must(host.createPartition({ flags: [] })).name).toBe('vm0');
    expect(must(host.createPartition({ name: 'vm1', flags: [] })).name).toBe('vm1');
    expect(must(host.createPartition({ flags: [] })).name).toBe('vm2');
    expect(host.createPartition({ name: 'vm0', flags: [] })).toMatchObject({
      ok: false,
      error: { source: 'refused', errnoName: 'EEXIST', rule: 'partitionKeyFree' },
    });
  });

  it('lets go of a closed partition: its name can be used again, and the old handle never reaches the new one', () => {
    const sink = new MemorySink();
    const host = testHost({ log: sink });
    const vm0 = must(host.createPartition({ name: 'vm0', flags: [] }));
    expect(vm0.initialize().ok).toBe(true);
    const vp = must(vm0.createVp(0));
    expect(vm0.close().ok).toBe(true);
    expect(host.partitions).toEqual([]);
    expect([vm0.phase, vp.state]).toEqual(['closed', 'deleted']);
    const again = must(host.createPartition({ name: 'vm0', flags: [] }));
    expect(host.partitions).toEqual([again]);
    // The old handles are refused EBADF before anything is recorded; the new vm0 is untouched.
    const recorded = sink.records.length;
    expect(vm0.initialize()).toMatchObject({
      ok: false,
      error: { source: 'refused', errnoName: 'EBADF', rule: 'partitionOpen' },
    });
    expect(vp.park()).toMatchObject({ ok: false, error: { errnoName: 'EBADF', rule: 'partitionOpen' } });
    expect(sink.records).toHaveLength(recorded);
    expect([vm0.phase, again.phase]).toEqual(['closed', 'created']);
    expect(again.initialize().ok).toBe(true);
    // A live partition's name is still refused; default names are never used twice.
    expect(host.createPartition({ name: 'vm0', flags: [] })).toMatchObject({
      ok: false,
      error: { source: 'refused', errnoName: 'EEXIST', rule: 'partitionKeyFree' },
    });
    expect(must(host.createPartition({ flags: [] })).name).toBe('vm2');
    expect(host.close().ok).toBe(true);
    expect(host.audit().ok).toBe(true);
  });

  it('builds the v2 argument when CPU_AND_XSAVE_FEATURES is set', () => {
    const host = testHost();
    const p = must(host.createPartition({ flags: ['CPU_AND_XSAVE_FEATURES', 'LAPIC'], disabledXsave: 0x4n }));
    expect(p.phase).toBe('created');
    expect(p.initialize().ok).toBe(true);
  });
});

describe('host.close', () => {
  it('kicks every sleeping run, closes every partition, then refuses calls with EBADF', async () => {
    const host = testHost();
    const { partition, vps } = running(host, 2);
    const runs = vps.map((vp) => vp.run());
    expect(host.sleepingRuns).toBe(2);
    expect(host.close().ok).toBe(true);
    for (const r of await Promise.all(runs))
      expect(r).toMatchObject({ ok: false, error: { errnoName: 'EINTR' } });
    expect(partition.phase).toBe('closed');
    expect(host.audit()).toEqual({ ok: true, violations: [], leakedPages: 0 });
    expect(host.createPartition({ flags: [] })).toMatchObject({
      ok: false,
      error: { errnoName: 'EBADF', rule: 'hostOpen' },
    });
    expect(partition.initialize()).toMatchObject({ ok: false, error: { errnoName: 'EBADF' } });
    expect(await vps[0]?.run()).toMatchObject({ ok: false, error: { errnoName: 'EBADF' } });
    expect(host.close().ok).toBe(true);
    expect(host.open).toBe(false);
  });
});

describe('records', () => {
  it('are the control plane intents only (what replay re-runs), and the same for the same seed and calls', async () => {
    const session = async (seed: number): Promise<MemorySink> => {
      const sink = new MemorySink();
      const host = testHost({ seed, log: sink });
      const { partition, vps } = running(host, 2);
      const [vp0] = vps;
      if (vp0 === undefined) throw new Error('no VP');
      host.guest(partition, vp0).exits([{ exit: 'IO_PORT', port: 0x60, write: false, size: 1, value: 0 }]);
      const exit = must(await vp0.run());
      must(vp0.skipInstruction(exit));
      host.guest(partition, 1).signal();
      must(host.close());
      return sink;
    };
    const a = await session(3);
    const intents = new Set(a.records.filter((r) => r.kind === 'intent').map((r) => r.name));
    expect([...intents].sort()).toEqual(['createPartition', 'guest', 'partition', 'signal', 'vp']);
    expect((await session(3)).records).toEqual(a.records);
    expect((await session(4)).records).not.toEqual(a.records);
  });
});
