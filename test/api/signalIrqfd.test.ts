import { describe, expect, it } from 'vitest';
import { replayLog } from '../../src/replay/replayLog.js';
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

  it('an irqfd that was deassigned (its eventfd closed by the host) answers EBADF', () => {
    const host = testHost();
    const { partition } = running(host, 1);
    must(partition.setMsiRouting([ROUTE]));
    const irq = must(partition.assignIrqfd({ gsi: 24 }));
    must(partition.deassignIrqfd(irq));
    const r = partition.signalIrqfd(irq);
    expect(r.ok ? 'ok' : r.error.errnoName).toBe('EBADF');
    must(host.close());
  });
});
