import { describe, expect, it } from 'vitest';
import type { IoctlResult } from '../../../src/pipeline/driver/IoctlResult.js';
import { SimWorld } from '../../../src/runner/SimWorld.js';
import { loadScenario } from '../../../src/scenario/loadScenario.js';

function value<T>(r: IoctlResult<T>): T {
  if (!r.ok) throw new Error(`${r.error.op}: ${r.error.errnoName} ${r.error.message}`);
  return r.value;
}

describe('the driver model refuses what the uapi structs cannot carry (EINVAL naming the field), as the native adapter does', () => {
  const calls: string[] = [];
  const w = new SimWorld(loadScenario({ format: 1, name: 'abi', seed: 1, hypervisor: {}, steps: [] }), {
    wantsBytes: false,
    record: (e) => calls.push(e.name),
  });
  const d = w.device;
  const pt = value(d.createPartition({ ptFlags: 3n, ptIsolation: 0n }));
  value(d.initializePartition(pt));
  const vp = value(d.createVp(pt, 0));
  const efd = d.createEventfd();
  const ram = 0x7f00_0000_0000n;

  const cases: [string, () => IoctlResult<unknown>, string][] = [
    [
      'a negative pt_isolation',
      () => d.createPartition({ ptFlags: 3n, ptIsolation: -1n }),
      'mshv_create_partition.ptIsolation: -1 does not fit u64',
    ],
    ['a fractional vp index', () => d.createVp(pt, 1.5), 'mshv_create_vp.vpIndex: 1.5 does not fit u32'],
    [
      'a negative gsi',
      () => d.irqfd(pt, { fd: efd, resamplefd: 0, gsi: -1, flags: 0 }),
      'mshv_user_irqfd.gsi: -1 does not fit u32',
    ],
    [
      'an fd past __s32',
      () => d.irqfd(pt, { fd: 2 ** 31, resamplefd: 0, gsi: 1, flags: 0 }),
      'mshv_user_irqfd.fd: 2147483648 is not a signed 32-bit integer',
    ],
    [
      'a negative datamatch',
      () => d.ioeventfd(pt, { datamatch: -1n, addr: 0x1000n, len: 4, fd: efd, flags: 0 }),
      'mshv_user_ioeventfd.datamatch: -1 does not fit u64',
    ],
    [
      'a negative region size',
      () => d.setGuestMemory(pt, { size: -4096n, guestPfn: 0n, userspaceAddr: ram, flags: 3 }),
      'mshv_user_mem_region.size: -4096 does not fit u64',
    ],
    [
      'flags past u8',
      () => d.setGuestMemory(pt, { size: 4096n, guestPfn: 0n, userspaceAddr: ram, flags: 0x100 }),
      'mshv_user_mem_region.flags: 256 does not fit u8',
    ],
    [
      'a VP state type past u8',
      () => d.getVpState(vp, { type: 256, bufSz: 4096 }),
      'mshv_get_set_vp_state.type: 256 does not fit u8',
    ],
    [
      'a negative GPAP base',
      () => d.getGpapAccessBitmap(pt, { accessType: 0, accessOp: 0, pageCount: 8n, gpapBase: -1n }),
      'mshv_gpap_access_bitmap.gpapBase: -1 does not fit u64',
    ],
  ];

  it.each(cases)('%s', (_what, call, message) => {
    const r = call();
    expect(r.ok ? 'ok' : `${r.error.errnoName} ${r.error.message}`).toBe(`EINVAL ${message}`);
  });

  it('leaves nothing behind: refused calls make no hypercall and change no state', () => {
    const before = calls.length;
    const state = JSON.stringify(w.snapshot());
    for (const [, call] of cases) call();
    expect(calls.length).toBe(before);
    expect(JSON.stringify(w.snapshot())).toBe(state);
  });
});
