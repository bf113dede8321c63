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
    ['vp.skipInstruction', () => vpApi.skipInstruction?.(), 'exit'],
    ['vp.skipInstruction', () => vpApi.skipInstruction?.({ kind: 'IO_PORT' }), 'exit.instructionLength'],
  ])('%s: EINVAL naming %s', (op, call, field) => {
    const before = host.stats().hypercalls;
    const r = call();
    expect(r).toMatchObject({ ok: false, error: { source: 'argument', errnoName: 'EINVAL', op, field } });
    expect(host.stats().hypercalls).toEqual(before);
  });

  it('a createVp refused for its options made no VP: the index is still free', () => {
    expect(api.createVp?.(1, 'restore')).toMatchObject({ ok: false, error: { field: 'options' } });
    expect(must(partition.createVp(1)).index).toBe(1);
  });
});
