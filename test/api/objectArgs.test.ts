import { describe, expect, it } from 'vitest';
import type { Result } from '../../src/api/index.js';
import { must, running, testHost } from './hostRig.js';

/**
 * The Host API from JavaScript, where nothing checks types at compile time: an object argument that
 * is missing, null or not an object is EINVAL naming that argument (the one error type, not a
 * TypeError from inside the call), and nothing was done.
 */
describe('object arguments a JavaScript caller gets wrong', () => {
  const host = testHost({ seed: 3 });
  const { partition, vps } = running(host, 1);
  const vp = vps[0];
  if (vp === undefined) throw new Error('no VP');
  const api = partition as unknown as Record<string, (...a: unknown[]) => Result<unknown>>;
  const hostApi = host as unknown as Record<string, (...a: unknown[]) => Result<unknown>>;
  const vpApi = vp as unknown as Record<string, (...a: unknown[]) => Result<unknown>>;

  it.each([
    ['host.createPartition', () => hostApi.createPartition?.(), 'spec'],
    ['host.createPartition', () => hostApi.createPartition?.(null), 'spec'],
    ['partition.mapMemory', () => api.mapMemory?.(), 'spec'],
    ['partition.unmapMemory', () => api.unmapMemory?.(undefined), 'region'],
    ['partition.createVp', () => api.createVp?.(1, null), 'options'],
    ['partition.assignIrqfd', () => api.assignIrqfd?.(null), 'spec'],
    ['partition.signalIrqfd', () => api.signalIrqfd?.(), 'irqfd'],
    ['partition.deassignIrqfd', () => api.deassignIrqfd?.(7), 'irqfd'],
    ['partition.assignIoeventfd', () => api.assignIoeventfd?.([]), 'spec'],
    ['partition.deassignIoeventfd', () => api.deassignIoeventfd?.(), 'ioeventfd'],
    ['partition.setMsiRouting', () => api.setMsiRouting?.([null]), 'entries[0]'],
    ['partition.installIntercept', () => api.installIntercept?.('X64_CPUID', null), 'options'],
    ['vp.skipInstruction', () => vpApi.skipInstruction?.(), 'exit'],
    ['vp.skipInstruction', () => vpApi.skipInstruction?.({ kind: 'IO_PORT' }), 'exit.instructionLength'],
  ])('%s: EINVAL naming %s', (op, call, field) => {
    const before = host.stats().hypercalls;
    const r = call();
    expect(r).toMatchObject({ ok: false, error: { source: 'argument', errnoName: 'EINVAL', op, field } });
    expect(host.stats().hypercalls).toEqual(before);
  });

  it.each([
    ['partition.assignIoeventfd', () => api.assignIoeventfd?.({ addr: 0x3f8n, len: 1, pio: 'yes' }), 'pio'],
    ['partition.assignIrqfd', () => api.assignIrqfd?.({ gsi: 24, resample: 1 }), 'resample'],
    ['partition.createVp', () => api.createVp?.(2, { restore: 'yes' }), 'options.restore'],
    [
      'partition.mapMemory',
      () => api.mapMemory?.({ guestPfn: 0n, size: 4096n, userAddr: 0n, executable: 0 }),
      'executable',
    ],
  ])(
    '%s: a flag that is not true or false is EINVAL naming %s (boolean), never read as false',
    (op, call, field) => {
      const before = host.stats().hypercalls;
      expect(call()).toMatchObject({
        ok: false,
        error: { source: 'argument', errnoName: 'EINVAL', op, field, rule: 'boolean' },
      });
      expect(host.stats().hypercalls).toEqual(before);
    },
  );

  it('a createVp refused for its options made no VP: the index is still free', () => {
    expect(api.createVp?.(1, 'restore')).toMatchObject({ ok: false, error: { field: 'options' } });
    expect(must(partition.createVp(1)).index).toBe(1);
  });
});
