import { describe, expect, it } from 'vitest';
import { MSHV_IOEVENTFD_BIT, MSHV_IRQFD_BIT } from '../../../src/hv/uapi/flags.js';
import type { IoctlResult } from '../../../src/pipeline/driver/IoctlResult.js';
import { portIdsOf } from '../../../src/pipeline/driver/portIdAllocator.js';
import { SimWorld } from '../../../src/runner/SimWorld.js';
import { loadScenario } from '../../../src/scenario/loadScenario.js';

function value<T>(r: IoctlResult<T>): T {
  if (!r.ok) throw new Error(`${r.error.op}: ${r.error.errnoName} ${r.error.message}`);
  return r.value;
}

const errnoOf = (r: IoctlResult<unknown>): string => (r.ok ? 'ok' : r.error.errnoName);

const RESAMPLE = 1 << MSHV_IRQFD_BIT.RESAMPLE;
const IRQFD_DEASSIGN = 1 << MSHV_IRQFD_BIT.DEASSIGN;
const IOEVENTFD_DEASSIGN = 1 << MSHV_IOEVENTFD_BIT.DEASSIGN;

/**
 * inventory §c.11 ("bad fd → -EBADF") and the lookup behind it, eventfd_ctx_fdget: fdget fails for
 * an fd that is not open (EBADF); eventfd_ctx_fileget refuses an open file that is not an eventfd
 * (f_op != &eventfd_fops: EINVAL). A partition or VP fd passed where an eventfd belongs is the second.
 */
describe('MSHV_IRQFD / MSHV_IOEVENTFD: an open fd that is not an eventfd is EINVAL, a closed one EBADF (inventory §c.11)', () => {
  function rig() {
    const calls: string[] = [];
    const w = new SimWorld(
      loadScenario({ format: 1, name: 'eventfd-ctx', seed: 3, hypervisor: {}, steps: [] }),
      { wantsBytes: false, record: (e) => calls.push(e.name) },
    );
    const d = w.device;
    const pt = value(d.createPartition({ ptFlags: 3n, ptIsolation: 0n }));
    value(d.initializePartition(pt));
    const vp = value(d.createVp(pt, 0));
    const efd = d.createEventfd();
    // gsi 6: a level-triggered route, so RESAMPLE gets as far as the resamplefd lookup.
    value(d.setMsiRouting(pt, [{ gsi: 6, addressLo: 0xfee0_0000, addressHi: 0, data: 0x8041 }]));
    return { w, d, pt, vp, efd, calls };
  }

  it.each([
    ['irqfd, fd = the partition fd', 'pt', 'irqfd'],
    ['irqfd, fd = a VP fd', 'vp', 'irqfd'],
    ['irqfd DEASSIGN, fd = the partition fd', 'pt', 'irqfd-deassign'],
    ['irqfd RESAMPLE, resamplefd = a VP fd', 'vp', 'irqfd-resample'],
    ['ioeventfd, fd = the partition fd', 'pt', 'ioeventfd'],
    ['ioeventfd deassign, fd = a VP fd', 'vp', 'ioeventfd-deassign'],
  ] as const)('%s: EINVAL, nothing recorded, no hypercall', (_what, which, call) => {
    const r = rig();
    const other = which === 'pt' ? r.pt : r.vp;
    const before = r.calls.length;
    const state = JSON.stringify(r.w.snapshot());
    const result =
      call === 'irqfd'
        ? r.d.irqfd(r.pt, { fd: other, resamplefd: 0, gsi: 6, flags: 0 })
        : call === 'irqfd-deassign'
          ? r.d.irqfd(r.pt, { fd: other, resamplefd: 0, gsi: 6, flags: IRQFD_DEASSIGN })
          : call === 'irqfd-resample'
            ? r.d.irqfd(r.pt, { fd: r.efd, resamplefd: other, gsi: 6, flags: RESAMPLE })
            : r.d.ioeventfd(r.pt, {
                datamatch: 0n,
                addr: 0xfe00_0000n,
                len: 4,
                fd: other,
                flags: call === 'ioeventfd' ? 0 : IOEVENTFD_DEASSIGN,
              });
    expect(errnoOf(result)).toBe('EINVAL');
    expect(r.calls.length).toBe(before);
    expect(portIdsOf(r.d.env).inUse()).toEqual([]);
    expect(JSON.stringify(r.w.snapshot())).toBe(state);
  });

  it('an fd that is not open stays EBADF, and a closed eventfd too', () => {
    const r = rig();
    expect(errnoOf(r.d.irqfd(r.pt, { fd: 999, resamplefd: 0, gsi: 6, flags: 0 }))).toBe('EBADF');
    expect(errnoOf(r.d.irqfd(r.pt, { fd: r.efd, resamplefd: 999, gsi: 6, flags: RESAMPLE }))).toBe('EBADF');
    value(r.d.close(r.efd));
    expect(errnoOf(r.d.ioeventfd(r.pt, { datamatch: 0n, addr: 0x1000n, len: 4, fd: r.efd, flags: 0 }))).toBe(
      'EBADF',
    );
  });
});
