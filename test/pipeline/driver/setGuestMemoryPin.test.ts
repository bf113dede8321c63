import { describe, expect, it } from 'vitest';
import type { IoctlResult } from '../../../src/pipeline/driver/IoctlResult.js';
import { SimWorld } from '../../../src/runner/SimWorld.js';
import { loadScenario } from '../../../src/scenario/loadScenario.js';

function value<T>(r: IoctlResult<T>): T {
  if (!r.ok) throw new Error(`${r.error.op}: ${r.error.errnoName} ${r.error.message}`);
  return r.value;
}

const RAM = 0x7f00_0000_0000n;
const MiB = 1n << 20n;
/** A hole follows the 8 MiB RAM VMA; then 4 MiB of RAM with an MMIO VMA right after it. */
const RAM2 = RAM + 16n * MiB;
const BAR = RAM2 + 4n * MiB;

/**
 * inventory §c.4 (pinned RAM: "pin all pages", batches of 65536) and §d: the VMA test only looks at
 * userspace_addr (no VMA there → EINVAL). A range that starts in a RAM VMA and then runs into a hole
 * or into a VM_IO/VM_PFNMAP VMA fails in pin_user_pages_fast, whose -EFAULT the ioctl returns after
 * unpinning what it pinned (mshv_region_pin's release_pages). The model's regions are pinned
 * (DECISIONS deviation 4); NEW's movable regions pin nothing at map time and map such a range.
 */
describe('MSHV_SET_GUEST_MEMORY: a RAM range that leaves its VMAs fails the pin with EFAULT (inventory §c.4)', () => {
  function rig() {
    const calls: string[] = [];
    const w = new SimWorld(
      loadScenario({
        format: 1,
        name: 'pin-range',
        seed: 5,
        hypervisor: {},
        hostMemory: [
          { userAddr: `0x${RAM.toString(16)}`, size: '8MiB', pageSize: '4K' },
          { userAddr: `0x${RAM2.toString(16)}`, size: '4MiB', pageSize: '4K' },
          { userAddr: `0x${BAR.toString(16)}`, size: '64KiB', mmio: true, spa: '0xfe000000' },
        ],
        steps: [],
      }),
      { wantsBytes: false, record: (e) => calls.push(e.name) },
    );
    const d = w.device;
    const pt = value(d.createPartition({ ptFlags: 3n, ptIsolation: 0n }));
    value(d.initializePartition(pt));
    return { w, d, pt, calls };
  }

  it.each([
    ['into the hole after its VMA', RAM + 7n * MiB, 2n * MiB],
    ['into the MMIO VMA after its VMA', RAM2 + 3n * MiB, 2n * MiB],
  ])('%s: EFAULT, nothing pinned, mapped or recorded', (_what, userspaceAddr, size) => {
    const r = rig();
    const before = r.calls.length;
    const pinned = r.w.machine.pinnedUserPages;
    const res = r.d.setGuestMemory(r.pt, { size, guestPfn: 0n, userspaceAddr, flags: 3 });
    expect(res.ok ? 'ok' : res.error.errnoName).toBe('EFAULT');
    expect(r.calls.length).toBe(before);
    expect(r.w.machine.pinnedUserPages).toBe(pinned);
    expect(r.d.partitions()[0]?.regions).toEqual([]);
  });

  it('no VMA at userspace_addr stays EINVAL, and a range inside the VMA maps', () => {
    const r = rig();
    const miss = r.d.setGuestMemory(r.pt, { size: MiB, guestPfn: 0n, userspaceAddr: RAM - MiB, flags: 3 });
    expect(miss.ok ? 'ok' : miss.error.errnoName).toBe('EINVAL');
    value(r.d.setGuestMemory(r.pt, { size: MiB, guestPfn: 0n, userspaceAddr: RAM + 7n * MiB, flags: 3 }));
  });
});
