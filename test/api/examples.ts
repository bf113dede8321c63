/**
 * The Host API examples that docs/guide/host-api.md shows. Each `#region` is copied into the guide
 * verbatim (test/api/guide.test.ts checks both ways) and run by test/api/examples.test.ts, so every
 * example in the guide compiles and does what the guide says.
 */
import {
  type HostError,
  Host,
  type Partition,
  type Region,
  type Vp,
  type VpExit,
} from '../../src/api/index.js';

/** Throws the error of a failed Result (examples only: real callers handle the error value). */
function must<T>(
  r: { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: HostError },
): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** Open a host over 1 GiB of 2 MiB-page RAM and an MMIO range. */
export function openHost(logPath?: string): Host {
  // #region open
  const opened = Host.open({
    seed: 7,
    hostMemory: [
      { kind: 'ram', userAddr: 0x7f00_0000_0000n, size: 1n << 30n, pageSize: 2097152 },
      { kind: 'mmio', userAddr: 0x7e00_0000_0000n, size: 0x20_0000n, spa: 0xf000_0000n },
    ],
    ...(logPath === undefined ? {} : { log: logPath }),
  });
  if (!opened.ok) throw new Error(opened.error.message);
  const host = opened.value;
  host.describe(); // ['seed 7', 'scheduler core-smt', 'repTimeSlice none', 'cpus …', …]
  // #endregion
  return host;
}

/** Create, initialize and map a partition with two VPs, then start it. */
export function bootPartition(host: Host): { partition: Partition; vps: Vp[]; ram: Region } {
  // #region configure
  const partition = must(
    host.createPartition({ name: 'vm0', flags: ['LAPIC', 'X2APIC', 'GPA_SUPER_PAGES'] }),
  );
  must(partition.initialize());
  const ram = must(
    partition.mapMemory({
      guestPfn: 0n,
      size: 1n << 30n,
      userAddr: 0x7f00_0000_0000n,
      writable: true,
      executable: true,
    }),
  );
  must(
    partition.mapMemory({
      guestPfn: 0x10_0000n,
      size: 0x20_0000n,
      userAddr: 0x7e00_0000_0000n,
      writable: true,
    }),
  );
  must(partition.installIntercept('X64_IO_PORT', { parameter: 0x3f8n }));
  const vps = [must(partition.createVp(0)), must(partition.createVp(1))];
  must(partition.start());
  // #endregion
  return { partition, vps, ram };
}

/** What the run loop saw, one line per exit. */
export async function runLoop(host: Host, partition: Partition, vp: Vp): Promise<string[]> {
  // #region run-loop
  const seen: string[] = [];
  host.guest(partition, vp).exits([
    { exit: 'IO_PORT', port: 0x3f8, write: true, size: 1, value: 0x48 },
    { exit: 'MMIO', gpa: 0x2000n, write: true, size: 8, value: 1n }, // RAM: completes in the guest
    { exit: 'UNMAPPED_GPA', gpa: 0xfee0_0000_0000n },
    { exit: 'HALT' },
  ]);
  for (;;) {
    const r = await vp.run();
    if (!r.ok) throw new Error(r.error.message); // EINTR when kicked: see "Pause kicks a sleeping run"
    const exit: VpExit = r.value;
    seen.push(exit.kind);
    if (exit.kind === 'HALT') break;
    // The hypervisor does not advance RIP after port I/O or emulated MMIO: the VMM does (rule 9).
    must(vp.skipInstruction(exit));
  }
  // #endregion
  return seen;
}

/** A VP with nothing to do sleeps in MSHV_RUN_VP until the pause kicks it. */
export async function pauseKicksSleepingRun(
  partition: Partition,
  vp: Vp,
): Promise<{ errno: string; phase: string; vps: number }> {
  // #region pause
  const sleeping = vp.run(); // the guest has nothing to do: the thread sleeps in the kernel
  must(partition.pause()); // parks every VP: the sleeping run is kicked out (rule 4)
  const kicked = await sleeping;
  const errno = kicked.ok ? 'none' : kicked.error.errnoName; // 'EINTR'
  const snap = must(partition.snapshot()); // allowed only while paused (rule 11)
  must(partition.resume());
  // #endregion
  return { errno, phase: partition.phase, vps: snap.vps.size };
}

/** One dirty-page pass over the first 64 MiB of guest RAM. */
export async function dirtyPass(host: Host, partition: Partition, vp: Vp): Promise<number[]> {
  // #region dirty
  must(partition.enableDirtyTracking());
  must(partition.readDirty(16_384, 0n)); // the first pass reports every page dirty
  host.guest(partition, vp).exits([
    { exit: 'MMIO', gpa: 0x5000n, write: true, size: 8, value: 7n }, // a RAM write: no exit, the page is dirty
    { exit: 'MMIO', gpa: 0x9000n, write: true, size: 8, value: 7n },
    { exit: 'HALT' },
  ]);
  must(await vp.run()); // HALT, after the two writes
  const pass = must(partition.readDirty(16_384, 0n)); // read and clear: only what the guest wrote since
  const dirty = pass.dirtyGfns(); // [5n, 9n]
  must(partition.markAllDirty()); // rule 7: before disabling, every page dirty again
  must(partition.disableDirtyTracking());
  // #endregion
  return dirty.map(Number);
}

/** An irqfd with its MSI route and a doorbell. */
export function interrupts(partition: Partition): { irqfd: number; doorbell: number; routes: number } {
  // #region interrupts
  must(partition.setMsiRouting([{ gsi: 24, addressLo: 0xfee0_0000, data: 0x30 }]));
  const irq = must(partition.assignIrqfd({ gsi: 24 })); // the host makes the eventfd
  must(partition.signalIrqfd(irq)); // a device model raises gsi 24: vector 0x30 is injected
  const bell = must(partition.assignIoeventfd({ addr: 0x10_0000_0000n, len: 4, datamatch: 1n }));
  must(partition.deassignIoeventfd(bell));
  must(partition.deassignIrqfd(irq));
  // #endregion
  return { irqfd: irq.fd, doorbell: bell.fd, routes: partition.msiRoutes.length };
}

/** The three kinds of error, side by side. */
export function errors(partition: Partition): HostError[] {
  // #region errors
  const errors: HostError[] = [];
  const unaligned = partition.mapMemory({ guestPfn: 0x20_0000n, size: 4095n, userAddr: 0x7f00_0000_0000n });
  if (!unaligned.ok) errors.push(unaligned.error); // source 'argument', field 'size', rule 'pageAligned'
  const running = partition.snapshot();
  if (!running.ok) errors.push(running.error); // source 'refused', EBUSY, rule 'snapshotOnlyWhileQuiesced'
  const overlap = partition.mapMemory({ guestPfn: 0x100n, size: 0x20_0000n, userAddr: 0x7f00_0000_0000n });
  if (!overlap.ok) errors.push(overlap.error); // source 'driver', EEXIST from MSHV_SET_GUEST_MEMORY
  // #endregion
  return errors;
}

/** A hypervisor fault through the fault plan: the error keeps the raw status and the hypercall. */
export function hypervisorFault(): HostError | undefined {
  // #region fault
  const host = must(
    Host.open({ seed: 7, faults: [{ call: 'INITIALIZE_PARTITION', nth: 1, status: 'ACCESS_DENIED' }] }),
  );
  const vm = must(host.createPartition({ flags: ['LAPIC'] }));
  const r = vm.initialize();
  const error = r.ok ? undefined : r.error; // { errnoName: 'EIO', hvStatus: 6, hvStatusName: 'ACCESS_DENIED', hypercall: 'INITIALIZE_PARTITION', … }
  host.close();
  // #endregion
  return error;
}

/**
 * Movable RAM (NEW's default): a run faults the guest's RAM in beneath the VMM; the host's mm then
 * moves some of it, the region's MMU notifier forgets those pages, and the next access faults them in
 * again; then a migration armed to race the next fault-in. Returns the migration's counts and the
 * exits the VMM saw.
 */
export async function movableMigration(): Promise<{ moved: number; exits: string[] }> {
  // #region movable
  const host = must(
    Host.open({
      seed: 7,
      ramRegions: 'movable',
      hostMemory: [{ kind: 'ram', userAddr: 0x7f00_0000_0000n, size: 1n << 30n, pageSize: 4096 }],
    }),
  );
  const vm = must(host.createPartition({ flags: ['LAPIC', 'X2APIC'] }));
  must(vm.initialize());
  must(vm.mapMemory({ guestPfn: 0n, size: 1n << 30n, userAddr: 0x7f00_0000_0000n, writable: true }));
  const vp = must(vm.createVp(0));
  must(vm.start());
  const touch = [
    { exit: 'MMIO', gpa: 0x20_0000n, write: true, size: 8, value: 1n },
    { exit: 'IO_PORT', port: 0x3f8, write: true, size: 1, value: 0x41 },
  ] as const;
  host.guest(vm, vp).exits(touch); // MSHV_RUN_VP faults the written 2 MiB in: the VMM sees the port write
  const first = must(await vp.run()); // { kind: 'IO_PORT', … }
  must(vp.skipInstruction(first));
  const migration = must(host.migrateUserPages(0x7f00_0020_0000n, 0x20_0000n)); // { regions: 1, failed: 0, moved: 512, … }
  host.guest(vm, vp).exits(touch); // the notifier forgot those pages: the write faults them in again
  const second = must(await vp.run()); // { kind: 'IO_PORT', … }
  must(vp.skipInstruction(second));
  must(host.migrateUserPages(0x7f00_0000_0000n, 0x20_0000n, { during: 'nextFaultIn' })); // armed, nothing moves yet
  host.guest(vm, vp).exits([{ ...touch[0], gpa: 0x1000n }, touch[1]]); // its fault-in races the migration
  const third = must(await vp.run()); // { kind: 'IO_PORT', … }: the kernel faulted the chunk in again
  must(host.close());
  // #endregion
  return { moved: migration.moved, exits: [first.kind, second.kind, third.kind] };
}

/** Close everything: partitions first (kicking any sleeping run), then the log. */
export function closeHost(host: Host): void {
  // #region close
  must(host.close()); // closes every open partition (inventory §c.12 teardown), then the log file
  // #endregion
}
