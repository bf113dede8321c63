import { describe, expect, it } from 'vitest';
import { CONTIGUOUS, HostRam, withOwner } from '../../adapters/simulated/host/HostRam.js';

describe('HostRam: a free page a guest still maps (a migration under a failed MMU notifier remap)', () => {
  it('is never handed out again, is not spare, and is counted again after a restore', () => {
    const ram = new HostRam([{ pfn: 0x100, count: 8 }]);
    const got = ram.allocate('user', 8, CONTIGUOUS, 0x100);
    expect(got?.runs).toEqual([{ pfn: 0x100, count: 8 }]);
    // The hypervisor maps 0x102; the mm frees all eight pages.
    ram.retag(0x102, 1, (o) => withOwner(o, { maps: 1 }));
    ram.retag(0x100, 8, (o) => withOwner(o, { kind: 'free' }));
    expect(ram.counts().free).toBe(8);
    expect(ram.spareFreePages()).toBe(7);
    expect(ram.allocate('kernel', 8, CONTIGUOUS, 0x100)).toBeNull();
    const seven = ram.allocate('kernel', 7, CONTIGUOUS, 0x100);
    expect(seven?.runs).toEqual([
      { pfn: 0x100, count: 2 },
      { pfn: 0x103, count: 5 },
    ]);
    expect(HostRam.restore(ram.ranges, ram.save()).spareFreePages()).toBe(0);
    // Once the hypervisor unmaps it, the page is free like any other.
    ram.retag(0x102, 1, (o) => withOwner(o, { maps: 0 }));
    expect(ram.spareFreePages()).toBe(1);
    expect(ram.allocate('kernel', 1, CONTIGUOUS, 0x100)?.runs).toEqual([{ pfn: 0x102, count: 1 }]);
  });
});
