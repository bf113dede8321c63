import { describe, expect, it } from 'vitest';
import { MSHV_VP_MMAP_OFFSET } from '../../../src/hv/uapi/flags.js';
import type { IoctlResult } from '../../../src/pipeline/driver/IoctlResult.js';
import { VP_MAPPING_BASE } from '../../../src/pipeline/driver/VpMapping.js';
import { SimWorld } from '../../../src/runner/SimWorld.js';
import { loadScenario } from '../../../src/scenario/loadScenario.js';
import type { JsonValue } from '../../../src/log/JsonValue.js';

const NO_RECORDER = { wantsBytes: false, record: () => undefined };

function value<T>(r: IoctlResult<T>): T {
  if (!r.ok) throw new Error(`${r.error.op}: ${r.error.errnoName} ${r.error.message}`);
  return r.value;
}
const errno = <T>(r: IoctlResult<T>): string => (r.ok ? 'ok' : r.error.errnoName);

/** One initialized partition with VP 0, on the simulated machine. */
function world() {
  const w = new SimWorld(
    loadScenario({ format: 1, name: 'mmap', seed: 4, hypervisor: {}, steps: [] }),
    NO_RECORDER,
  );
  const dev = w.device;
  const pt = value(dev.createPartition({ ptFlags: 0b11n, ptIsolation: 0n }));
  value(dev.initializePartition(pt));
  const vp = value(dev.createVp(pt, 0));
  return { w, dev, pt, vp };
}

describe('mmap of a VP fd (inventory §c.7, the mmap row of §d)', () => {
  it('maps the register page (0) and the intercept-message page (1); no GHCB outside SNP (ENODEV); any other offset EINVAL', () => {
    const { dev, pt, vp } = world();
    const regs = dev.mmapVp(vp, MSHV_VP_MMAP_OFFSET.REGISTERS);
    const msg = dev.mmapVp(vp, MSHV_VP_MMAP_OFFSET.INTERCEPT_MESSAGE);
    expect([regs, msg]).toEqual([
      { ok: true, value: VP_MAPPING_BASE },
      { ok: true, value: VP_MAPPING_BASE + 4096n },
    ]);
    expect(errno(dev.mmapVp(vp, MSHV_VP_MMAP_OFFSET.GHCB))).toBe('ENODEV');
    expect(errno(dev.mmapVp(vp, 3))).toBe('EINVAL');
    expect(errno(dev.mmapVp(vp, -1))).toBe('EINVAL');
    expect(errno(dev.mmapVp(pt, 0))).toBe('ENODEV'); // the partition file has no mmap
    expect(errno(dev.mmapVp(dev.createEventfd(), 0))).toBe('ENODEV');
    expect(errno(dev.mmapVp(999, 0))).toBe('EBADF');
  });

  it('the intercept-message mapping shows the exit the hypervisor wrote: what MSHV_RUN_VP copied out', () => {
    const { w, dev, pt, vp } = world();
    const msg = value(dev.mmapVp(vp, MSHV_VP_MMAP_OFFSET.INTERCEPT_MESSAGE));
    const before = value(dev.readMapped(msg));
    w.setGuestScript(pt, 0, [{ exit: 'IO_PORT', port: 0x3f8, write: true, size: 1, value: 0x41 }]);
    const exit = value(dev.runVp(vp));
    const after = value(dev.readMapped(msg));
    expect(after.length).toBe(4096);
    expect(after.subarray(0, 256)).toEqual(exit);
    expect(after.subarray(0, 256)).not.toEqual(before.subarray(0, 256));
  });

  it('a register page mapped and never unmapped keeps the partition alive after every fd is closed: the rust-vmm/mshv #194 leak (vmm-lifecycle-rules); munmap releases it (§c.12)', () => {
    const { w, dev, pt, vp } = world();
    const id = dev.partitionIdOf(pt)!;
    const regs = value(dev.mmapVp(vp, MSHV_VP_MMAP_OFFSET.REGISTERS));
    value(dev.close(vp));
    value(dev.close(pt));
    expect(dev.teardownCount).toBe(0);
    // The hypervisor still has the partition, with its deposited pool: what a host runs out of.
    expect(w.machine.partition(id)?.state).not.toBe('deleted');
    expect(value(dev.readMapped(regs)).length).toBe(4096);
    value(dev.munmap(regs));
    expect(dev.teardownCount).toBe(1);
    // Deleted clean, the hypervisor model forgets it: the id stays deleted, never reused.
    expect(w.machine.partition(id)).toBeUndefined();
    expect(w.machine.model.wasDeleted(id)).toBe(true);
    expect(w.machine.audit().ok).toBe(true);
    expect(errno(dev.readMapped(regs))).toBe('EFAULT');
  });

  it('munmap of a page with no mapping succeeds (as on Linux); a misaligned address is EINVAL', () => {
    const { dev } = world();
    expect(errno(dev.munmap(VP_MAPPING_BASE + 8192n))).toBe('ok');
    expect(errno(dev.munmap(VP_MAPPING_BASE + 5n))).toBe('EINVAL');
  });

  it('a snapshot keeps live mappings: restored, the mapping still holds the partition, and munmap tears it down', () => {
    const { w, dev, pt, vp } = world();
    const regs = value(dev.mmapVp(vp, MSHV_VP_MMAP_OFFSET.REGISTERS));
    value(dev.close(vp));
    value(dev.close(pt));
    const snap = w.snapshot();
    const restored = SimWorld.fromSnapshot(JSON.parse(JSON.stringify(snap)), NO_RECORDER);
    if (!restored.ok) throw new Error(restored.error.message);
    const d2 = restored.value.device;
    expect(restored.value.snapshot()).toEqual(snap);
    expect(value(d2.readMapped(regs))).toEqual(value(dev.readMapped(regs)));
    value(d2.munmap(regs));
    expect(d2.teardownCount).toBe(1);
    expect(restored.value.machine.audit().ok).toBe(true);
    // The next mapping gets a new address, never a reused one.
    expect(JSON.stringify(restored.value.snapshot())).toContain('"mappingsMade":1');
  });

  it('a device that never mapped writes no mapping fields (earlier snapshots keep their bytes)', () => {
    const { w } = world();
    expect(JSON.stringify(w.snapshot())).not.toContain('mapping');
  });

  it('a snapshot whose mapping names a VP the partition lacks is refused, naming the path', () => {
    const { w, dev, vp } = world();
    value(dev.mmapVp(vp, MSHV_VP_MMAP_OFFSET.REGISTERS));
    const text = JSON.stringify(w.snapshot());
    const bad = JSON.parse(text.replace(/("mappings":\[\["0x[0-9a-f]+",\d+,)0,/, '$17,')) as JsonValue;
    const r = SimWorld.fromSnapshot(bad, NO_RECORDER);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/mappings\[0\]\[2\].*has no VP 7/);
    const unknownAddress = JSON.parse(
      text.replace(/"mappings":\[\["0x[0-9a-f]+"/, '"mappings":[["0x7ff000002000"'),
    ) as JsonValue;
    const r2 = SimWorld.fromSnapshot(unknownAddress, NO_RECORDER);
    expect(r2.ok ? 'restored' : r2.error.message).toMatch(/not one of the 1 mapping addresses handed out/);
  });
});
