import { describe, expect, it } from 'vitest';
import { replayLog } from '../../src/replay/replayLog.js';
import { MemorySink } from '../../src/runtime/RecordSink.js';
import { useTempDir } from '../log/tempDir.js';
import { must, running, testHost } from './hostRig.js';

const tempDir = useTempDir();
const ROUTE = { gsi: 24, addressLo: 0xfee0_1000, data: 0x31 }; // edge, fixed, vector 0x31 to APIC 1

/** Hypercalls of one name the host issued so far. */
function calls(host: ReturnType<typeof testHost>, name: string): number {
  return host.stats().byName.find(([n]) => n === name)?.[1] ?? 0;
}

describe('partition.signalIrqfd: a device model raises its interrupt through the irqfd (inventory §c.11)', () => {
  it('under a hypervisor scheduler each signal is one ASSERT_VIRTUAL_INTERRUPT, logged under its eventfd-write, and the log replays', () => {
    const path = `${tempDir()}/irq.log`;
    const host = testHost({ log: path });
    const { partition } = running(host, 2);
    must(partition.setMsiRouting([ROUTE]));
    const irq = must(partition.assignIrqfd({ gsi: 24 }));
    const before = calls(host, 'ASSERT_VIRTUAL_INTERRUPT');
    must(partition.signalIrqfd(irq));
    must(partition.signalIrqfd(irq));
    expect(calls(host, 'ASSERT_VIRTUAL_INTERRUPT')).toBe(before + 2);
    must(host.close());
    expect(replayLog(path)).toMatchObject({ status: 'identical', complete: true });
  });

  it('under the root scheduler with dispatch interrupt injection it takes the fast path: no hypercall', () => {
    const host = testHost({ scheduler: 'root', dispatchInterruptInjection: true });
    const { partition } = running(host, 2);
    must(partition.setMsiRouting([ROUTE]));
    const irq = must(partition.assignIrqfd({ gsi: 24 }));
    const before = host.stats().hypercalls;
    must(partition.signalIrqfd(irq));
    expect(host.stats().hypercalls).toBe(before);
    must(host.close());
  });

  it('rule 11: from pause to resume a signal or an assign is refused EBUSY (noDeviceIoWhilePaused) and nothing is injected; the log replays', () => {
    const path = `${tempDir()}/paused.log`;
    const host = testHost({ log: path });
    const { partition } = running(host, 2);
    must(partition.setMsiRouting([ROUTE]));
    const irq = must(partition.assignIrqfd({ gsi: 24 }));
    must(partition.pause());
    const before = calls(host, 'ASSERT_VIRTUAL_INTERRUPT');
    const snap = must(partition.snapshot());
    const refused = {
      ok: false,
      error: { source: 'refused', errnoName: 'EBUSY', rule: 'noDeviceIoWhilePaused' },
    };
    expect(partition.signalIrqfd(irq)).toMatchObject(refused);
    expect(partition.assignIrqfd({ gsi: 24 })).toMatchObject(refused);
    // A new table injects nothing: taken while paused.
    must(partition.setMsiRouting([ROUTE]));
    expect(calls(host, 'ASSERT_VIRTUAL_INTERRUPT')).toBe(before);
    expect(must(partition.snapshot())).toEqual(snap);
    must(partition.resume());
    must(partition.signalIrqfd(irq));
    expect(calls(host, 'ASSERT_VIRTUAL_INTERRUPT')).toBe(before + 1);
    must(host.close());
    // Refusals are logged intents: the replay refuses them the same way.
    expect(replayLog(path)).toMatchObject({ status: 'identical', complete: true });
  });

  it('rule 11: a pause stalled after quiescing the devices refuses a signal too', () => {
    // TIME_FREEZE, the pause's last step, fails once: the partition stays `pausing`.
    const host = testHost({ faults: [{ call: 'SET_PARTITION_PROPERTY', nth: 1, status: 'ACCESS_DENIED' }] });
    const { partition } = running(host, 1);
    must(partition.setMsiRouting([ROUTE]));
    const irq = must(partition.assignIrqfd({ gsi: 24 }));
    expect(partition.pause()).toMatchObject({ ok: false, error: { source: 'driver' } });
    expect(partition.phase).toBe('pausing');
    const before = calls(host, 'ASSERT_VIRTUAL_INTERRUPT');
    expect(partition.signalIrqfd(irq)).toMatchObject({
      ok: false,
      error: { errnoName: 'EBUSY', rule: 'noDeviceIoWhilePaused' },
    });
    must(partition.pause());
    must(partition.resume());
    must(partition.signalIrqfd(irq));
    expect(calls(host, 'ASSERT_VIRTUAL_INTERRUPT')).toBe(before + 1);
    must(host.close());
  });

  it('an irqfd that was deassigned answers ENOENT (irqfdAssigned) before anything is recorded', () => {
    const sink = new MemorySink();
    const host = testHost({ log: sink });
    const { partition } = running(host, 1);
    must(partition.setMsiRouting([ROUTE]));
    const irq = must(partition.assignIrqfd({ gsi: 24 }));
    must(partition.deassignIrqfd(irq));
    const records = sink.records.length;
    expect(partition.signalIrqfd(irq)).toMatchObject({
      ok: false,
      error: { source: 'argument', errnoName: 'ENOENT', field: 'irqfd.fd', rule: 'irqfdAssigned' },
    });
    expect(sink.records.length).toBe(records);
    must(host.close());
  });

  it('signals only an irqfd this partition holds: not through a closed handle, not another partition’s, not an ioeventfd (review)', () => {
    const sink = new MemorySink();
    const host = testHost({ log: sink });
    const a = running(host, 1, 'a').partition;
    const b = running(host, 1, 'b').partition;
    must(b.setMsiRouting([ROUTE]));
    const bIrq = must(b.assignIrqfd({ gsi: 24 }));
    const bell = must(a.assignIoeventfd({ addr: 0x1000n, len: 4 }));
    const records = sink.records.length;
    expect(a.signalIrqfd(bIrq)).toMatchObject({
      ok: false,
      error: { errnoName: 'ENOENT', rule: 'irqfdAssigned' },
    });
    expect(a.signalIrqfd({ fd: bell.fd, gsi: 24, resamplefd: null })).toMatchObject({
      ok: false,
      error: { errnoName: 'ENOENT', rule: 'irqfdAssigned' },
    });
    expect(sink.records.length).toBe(records);
    must(a.close());
    const closed = sink.records.length;
    // A handle kept after its close reaches nothing, not even the irqfd of a live partition.
    expect(a.signalIrqfd(bIrq)).toMatchObject({
      ok: false,
      error: { errnoName: 'EBADF', rule: 'partitionOpen' },
    });
    expect(a.deassignIrqfd(bIrq)).toMatchObject({
      ok: false,
      error: { errnoName: 'EBADF', rule: 'partitionOpen' },
    });
    expect(sink.records.length).toBe(closed);
    must(b.signalIrqfd(bIrq));
    must(host.close());
  });

  it('refuses an fd that is not an integer, and a deassign without gsi, naming the field (no TypeError, nothing logged)', () => {
    const sink = new MemorySink();
    const host = testHost({ log: sink });
    const { partition } = running(host, 1);
    const records = sink.records.length;
    for (const fd of [-1, 'x', 1.5, undefined, 1n, Number.NaN])
      expect(partition.signalIrqfd({ fd, gsi: 0 } as never)).toMatchObject({
        ok: false,
        error: { source: 'argument', errnoName: 'EINVAL', field: 'irqfd.fd' },
      });
    expect(partition.deassignIrqfd({} as never)).toMatchObject({ ok: false, error: { field: 'irqfd.fd' } });
    expect(partition.deassignIrqfd({ fd: 99 } as never)).toMatchObject({
      ok: false,
      error: { field: 'irqfd.gsi' },
    });
    expect(sink.records.length).toBe(records);
    must(host.close());
  });
});
