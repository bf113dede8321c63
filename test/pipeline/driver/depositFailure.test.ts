import { describe, expect, it } from 'vitest';
import { SimWorld } from '../../../src/runner/SimWorld.js';
import { loadScenario } from '../../../src/scenario/loadScenario.js';

/** A device whose hypervisor answers the listed statuses (a fault plan), recording every call's name and status. */
function device(faults: readonly { call: string; nth: number; status: string }[]): {
  dev: SimWorld['device'];
  world: SimWorld;
  calls: string[];
} {
  const calls: string[] = [];
  const world = new SimWorld(
    loadScenario({ format: 1, name: 'deposit-failure', seed: 3, hypervisor: { faults }, steps: [] }),
    {
      wantsBytes: false,
      record: (e) => calls.push(e.result === 0 ? e.name : `${e.name}!${e.result}`),
    },
  );
  return { dev: world.device, world, calls };
}

describe('a deposit that fails (inventory §b.3, §c.2, §c.3)', () => {
  it('INITIALIZE: when the 208-page deposit fails, every page the hypervisor accepted is withdrawn before the error returns', () => {
    const { dev, world, calls } = device([{ call: 'DEPOSIT_MEMORY', nth: 1, status: 'ACCESS_DENIED' }]);
    const created = dev.createPartition({ ptFlags: 0b11n, ptIsolation: 0n });
    if (!created.ok) throw new Error(created.error.message);
    const from = calls.length;
    // The error names the call that failed and its status, as for any failed hypercall.
    expect(dev.initializePartition(created.value)).toMatchObject({
      ok: false,
      error: {
        errnoName: 'EIO',
        hvStatus: 6,
        hvStatusName: 'ACCESS_DENIED',
        hypercall: 'DEPOSIT_MEMORY',
        message: 'deposit of 208 pages failed: HV_STATUS_ACCESS_DENIED',
      },
    });
    // ACCESS_DENIED (6) at rep 0: nothing accepted, and the withdraw finds nothing (NO_RESOURCES, 29).
    expect(calls.slice(from)).toEqual(['DEPOSIT_MEMORY!6', 'WITHDRAW_MEMORY!29']);
    expect(world.machine.audit().ok).toBe(true);
  });

  it('a deposit for a retry that fails ends the retry loop with the deposit’s errno, not ENOMEM', () => {
    // INITIALIZE_PARTITION asks for memory; the 1-page deposit for its retry is refused.
    const { dev, world, calls } = device([
      { call: 'INITIALIZE_PARTITION', nth: 1, status: 'INSUFFICIENT_MEMORY' },
      { call: 'DEPOSIT_MEMORY', nth: 2, status: 'ACCESS_DENIED' },
    ]);
    const created = dev.createPartition({ ptFlags: 0b11n, ptIsolation: 0n });
    if (!created.ok) throw new Error(created.error.message);
    const from = calls.length;
    expect(dev.initializePartition(created.value)).toMatchObject({
      ok: false,
      error: {
        errnoName: 'EIO',
        hvStatusName: 'ACCESS_DENIED',
        hypercall: 'DEPOSIT_MEMORY',
        message: 'INITIALIZE_PARTITION: deposit for a retry failed: HV_STATUS_ACCESS_DENIED',
      },
    });
    // The 208 pages deposited first all come back: one withdraw takes them (NO_RESOURCES, 29: fewer
    // than the 512 asked for, which the kernel counts as done).
    expect(calls.slice(from)).toEqual([
      'DEPOSIT_MEMORY',
      'INITIALIZE_PARTITION!11',
      'DEPOSIT_MEMORY!6',
      'WITHDRAW_MEMORY!29',
    ]);
    const pool = world.machine.audit().pools.find((p) => p.state === 'created');
    expect(pool).toMatchObject({ freePages: 0, usedPages: 0 });
  });

  it('CREATE_PARTITION: a refused deposit for its retry is that deposit’s errno (EIO), not ENOMEM', () => {
    const { dev, calls } = device([
      { call: 'CREATE_PARTITION', nth: 1, status: 'INSUFFICIENT_MEMORY' },
      { call: 'DEPOSIT_MEMORY', nth: 1, status: 'ACCESS_DENIED' },
    ]);
    expect(dev.createPartition({ ptFlags: 0b11n, ptIsolation: 0n })).toMatchObject({
      ok: false,
      error: { errnoName: 'EIO', hvStatus: 6, hypercall: 'DEPOSIT_MEMORY' },
    });
    expect(calls).toEqual(['CREATE_PARTITION!11', 'DEPOSIT_MEMORY!6']);
  });

  it('CREATE_VP: a refused 90-page deposit names DEPOSIT_MEMORY and its status; errno by hv_result_to_errno (INVALID_PARAMETER: EINVAL)', () => {
    // The deposits INITIALIZE makes (its 208 pages, then one per retry), counted on a run without faults.
    const dry = device([]);
    const made = dry.dev.createPartition({ ptFlags: 0b11n, ptIsolation: 0n });
    if (!made.ok || !dry.dev.initializePartition(made.value).ok) throw new Error('dry run failed');
    const before = dry.calls.filter((c) => c === 'DEPOSIT_MEMORY').length;
    const { dev, calls } = device([{ call: 'DEPOSIT_MEMORY', nth: before + 1, status: 'INVALID_PARAMETER' }]);
    const created = dev.createPartition({ ptFlags: 0b11n, ptIsolation: 0n });
    if (!created.ok) throw new Error(created.error.message);
    expect(dev.initializePartition(created.value).ok).toBe(true);
    const from = calls.length;
    expect(dev.createVp(created.value, 0)).toMatchObject({
      ok: false,
      error: {
        errnoName: 'EINVAL',
        hvStatus: 5,
        hvStatusName: 'INVALID_PARAMETER',
        hypercall: 'DEPOSIT_MEMORY',
        message: 'deposit of 90 pages failed: HV_STATUS_INVALID_PARAMETER',
      },
    });
    expect(calls.slice(from)).toEqual(['DEPOSIT_MEMORY!5']);
  });

  it('a deposit that cannot allocate its pages (host memory exhausted) is ENOMEM with no hypervisor status: no hypercall failed', () => {
    const world = new SimWorld(
      loadScenario({ format: 1, name: 'deposit-enomem', seed: 3, hypervisor: {}, steps: [] }),
      { wantsBytes: false, record: () => undefined },
    );
    const dev = world.device;
    const created = dev.createPartition({ ptFlags: 0b11n, ptIsolation: 0n });
    if (!created.ok) throw new Error(created.error.message);
    // Every free kernel page taken: the 208-page deposit cannot allocate.
    const free = world.machine.host.ram.counts().free;
    expect(world.machine.host.allocPages(free)).not.toBeNull();
    const r = dev.initializePartition(created.value);
    expect(r).toMatchObject({
      ok: false,
      error: { errnoName: 'ENOMEM', message: 'deposit of 208 pages failed' },
    });
    expect(r.ok ? {} : r.error).not.toHaveProperty('hvStatus');
  });
});
