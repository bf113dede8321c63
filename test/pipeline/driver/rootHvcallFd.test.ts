import { describe, expect, it } from 'vitest';
import { HV_PARTITION_PROPERTY } from '../../../src/hv/flags/HvPartitionProperty.js';
import { HypercallCode as C } from '../../../src/hv/HypercallCode.js';
import type { IoctlResult } from '../../../src/pipeline/driver/IoctlResult.js';
import { SimWorld } from '../../../src/runner/SimWorld.js';
import { loadScenario } from '../../../src/scenario/loadScenario.js';

function value<T>(r: IoctlResult<T>): T {
  if (!r.ok) throw new Error(`${r.error.op}: ${r.error.errnoName} ${r.error.message}`);
  return r.value;
}

/**
 * inventory §a.1: MSHV_ROOT_HVCALL is accepted on /dev/mshv (NEW), partition and VP fds. An eventfd
 * has no ioctl method at all, so ioctl(2) answers -ENOTTY (vfs_ioctl), as for every other mshv
 * ioctl on it (the partition and VP ioctls already do); EBADF is only for an fd that is not open.
 */
describe('MSHV_ROOT_HVCALL on an fd that is not an mshv fd (inventory §a.1)', () => {
  const calls: string[] = [];
  const w = new SimWorld(loadScenario({ format: 1, name: 'hvcall-fd', seed: 2, hypervisor: {}, steps: [] }), {
    wantsBytes: false,
    record: (e) => calls.push(e.name),
  });
  const d = w.device;
  const pt = value(d.createPartition({ ptFlags: 3n, ptIsolation: 0n }));
  const efd = d.createEventfd();
  const input = new Uint8Array(16);
  new DataView(input.buffer).setUint32(8, HV_PARTITION_PROPERTY.MAX_XSAVE_DATA_SIZE, true);
  const arg = { code: C.GET_PARTITION_PROPERTY, reps: 0, input, outSz: 8 };

  it('an eventfd: ENOTTY, like a partition ioctl on it; no hypercall', () => {
    const before = calls.length;
    const r = d.rootHvcall(efd, arg);
    expect(r.ok ? 'ok' : r.error.errnoName).toBe('ENOTTY');
    const init = d.initializePartition(efd);
    expect(init.ok ? 'ok' : init.error.errnoName).toBe('ENOTTY');
    expect(calls.length).toBe(before);
  });

  it('an fd that is not open: EBADF; the partition fd still reaches the hypervisor', () => {
    const r = d.rootHvcall(999, arg);
    expect(r.ok ? 'ok' : r.error.errnoName).toBe('EBADF');
    const via = d.rootHvcall(pt, arg);
    expect(via.ok ? 'ok' : via.error.message).toBe('ok');
  });
});
