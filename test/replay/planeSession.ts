import { MSHV_PT_BIT } from '../../src/hv/uapi/flags.js';
import type { ControlPlane } from '../../src/runtime/ControlPlane.js';
import type { RequestOutcome } from '../../src/runtime/RequestOutcome.js';
import type { Scenario } from '../../src/scenario/Scenario.js';

const MiB = 1n << 20n;
const RAM_ADDR = 0x7f00_0000_0000n;

/** The world a ControlPlane session runs in: a seed, a scheduler and 64 MiB of 2 MiB-backed RAM per partition. */
export function planeWorld(scheduler: 'core-smt' | 'root', seed = 23, partitions = 2): Scenario {
  return {
    format: 1,
    name: `plane-${scheduler}`,
    seed,
    hypervisor: { scheduler, repTimeSlice: 200, faults: [] },
    hostMemory: Array.from({ length: partitions }, (_, i) => ({
      kind: 'ram' as const,
      userAddr: RAM_ADDR + BigInt(i) * 0x1_0000_0000n,
      size: 64n * MiB,
      pageSize: 4096 as const,
    })),
    steps: [],
  };
}

const flags = BigInt(
  (1 << MSHV_PT_BIT.LAPIC) | (1 << MSHV_PT_BIT.X2APIC) | (1 << MSHV_PT_BIT.GPA_SUPER_PAGES),
);

/** A request that must succeed (the helper runs in a child process too, so no test framework here). */
function done(o: RequestOutcome): RequestOutcome {
  if (o.status !== 'done') throw new Error(`expected done, got ${JSON.stringify(o)}`);
  return o;
}

function pending(o: RequestOutcome): void {
  if (o.status !== 'pending') throw new Error(`expected a pending run, got ${JSON.stringify(o)}`);
}

/** MAP_MEMORY of region `ram0`: `size` bytes of the VMM's memory at `userAddr`, at guest PFN 0, writable. */
export function mapRam(plane: ControlPlane, key: string, userAddr: bigint, size: bigint): void {
  done(
    plane.partition(key, {
      type: 'MAP_MEMORY',
      region: 'ram0',
      detail: {
        guestPfn: '0x0',
        size: `0x${size.toString(16)}`,
        userAddr: `0x${userAddr.toString(16)}`,
        flags: 3,
      },
    }),
  );
}

/**
 * Bring partition `key` (host memory slot `slot`) to running: initialize, map 64 MiB, an eventfd as
 * a doorbell (ioeventfd) and one as an irqfd with an MSI route, `vps` VPs made ready, start.
 */
export function bootPartition(plane: ControlPlane, key: string, slot: number, vps: number): void {
  done(plane.createPartition(key, { ptFlags: flags, ptIsolation: 0n }));
  done(plane.partition(key, { type: 'INITIALIZE' }));
  mapRam(plane, key, RAM_ADDR + BigInt(slot) * 0x1_0000_0000n, 64n * MiB);
  const doorbell = done(plane.eventfd());
  const irq = done(plane.eventfd());
  done(
    plane.partition(key, {
      type: 'SET_MSI_ROUTING',
      entries: 1,
      detail: { table: [5, 0xfee0_0000, 0, 0x31] },
    }),
  );
  done(
    plane.partition(key, {
      type: 'IOEVENTFD',
      assign: true,
      pio: false,
      detail: {
        fd: doorbell.status === 'done' ? (doorbell.value as number) : -1,
        addr: '0xf0000000',
        len: 4,
      },
    }),
  );
  done(
    plane.partition(key, {
      type: 'IRQFD',
      assign: true,
      detail: { fd: irq.status === 'done' ? (irq.value as number) : -1, gsi: 5 },
    }),
  );
  for (let i = 0; i < vps; i++) {
    done(plane.partition(key, { type: 'CREATE_VP', vp: i }));
    done(plane.vp(key, i, { type: 'READY' }));
  }
  done(plane.partition(key, { type: 'START' }));
}

/**
 * A session that uses most of the ControlPlane: two partitions booted, guest exits run (port I/O with
 * a RIP advance, MMIO, MSR), a run left sleeping, dirty tracking (enable, read, mark all, disable),
 * pause (which kicks the sleeper) and resume, a signal, then vm0 closed and vm1 left running.
 */
export function planeSession(plane: ControlPlane): void {
  bootPartition(plane, 'vm0', 0, 2);
  plane.guest('vm0', 0, [
    { exit: 'IO_PORT', port: 0x3f8, write: true, size: 1, value: 72 },
    { exit: 'MMIO', gpa: 0xfed0_0000n, write: false, size: 4, value: 0n },
    { exit: 'MSR', msr: 0x10, write: false, value: 0n },
  ]);
  done(plane.vp('vm0', 0, { type: 'RUN' }));
  done(plane.vp('vm0', 0, { type: 'SET_STATE', part: 'REGISTERS' }));
  done(plane.vp('vm0', 0, { type: 'RUN' }));
  done(plane.vp('vm0', 0, { type: 'RUN' }));
  pending(plane.vp('vm0', 1, { type: 'RUN' }));
  done(plane.partition('vm0', { type: 'ENABLE_DIRTY_TRACKING' }));
  done(plane.partition('vm0', { type: 'READ_DIRTY', pages: 4096 }));
  bootPartition(plane, 'vm1', 1, 1);
  done(plane.partition('vm0', { type: 'PAUSE' }));
  done(plane.partition('vm0', { type: 'RESUME' }));
  plane.signal('vm1', 0);
  plane.guest('vm1', 0, [{ exit: 'CPUID', leaf: 1, subleaf: 0 }]);
  // The signal may interrupt the run (EINTR) before the exit is taken; the next run takes it.
  if (plane.vp('vm1', 0, { type: 'RUN' }).status !== 'done') done(plane.vp('vm1', 0, { type: 'RUN' }));
  done(plane.partition('vm0', { type: 'MARK_ALL_DIRTY' }));
  done(plane.partition('vm0', { type: 'DISABLE_DIRTY_TRACKING' }));
  pending(plane.vp('vm0', 1, { type: 'RUN' }));
  done(plane.partition('vm0', { type: 'CLOSE' }));
}

/**
 * A run that goes on until `more()` says stop: partition vm<i> boots in host memory slot i % 2 (after
 * vm<i-2> was closed), runs an exit on each VP, leaves VP 1 sleeping in MSHV_RUN_VP, pauses and
 * resumes. At any instant one or two partitions are live, with regions, VPs, a doorbell, an irqfd
 * and deposits: what a crash leaves for `recover`.
 */
export function longPlaneRun(plane: ControlPlane, more: () => boolean): void {
  for (let i = 0; more(); i++) {
    const key = `vm${i}`;
    if (i >= 2) done(plane.partition(`vm${i - 2}`, { type: 'CLOSE' }));
    bootPartition(plane, key, i % 2, 2);
    plane.guest(key, 0, [{ exit: 'IO_PORT', port: 0x3f8, write: true, size: 1, value: 65 + (i % 26) }]);
    done(plane.vp(key, 0, { type: 'RUN' }));
    done(plane.vp(key, 0, { type: 'SET_STATE', part: 'REGISTERS' }));
    pending(plane.vp(key, 1, { type: 'RUN' }));
    done(plane.partition(key, { type: 'PAUSE' }));
    done(plane.partition(key, { type: 'RESUME' }));
  }
}
