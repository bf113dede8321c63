import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Host, type Result } from '../../src/api/index.js';
import { MemorySink } from '../../src/runtime/RecordSink.js';
import { GiB, must, RAM_USER_ADDR, running, testHost } from './hostRig.js';

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
    ['partition.setProperty', 'name', '1n', () => api.setProperty?.(1n, 1)],
    ['partition.setProperty', 'name', '{"code":"2n"}', () => api.setProperty?.({ code: 2n }, 1)],
    ['partition.installIntercept', 'kind', '3n', () => api.installIntercept?.(3n, {})],
    ['host.createPartition', 'name', '4n', () => hostApi.createPartition?.({ name: 4n })],
    ['host.createPartition', 'flags[0]', '5n', () => hostApi.createPartition?.({ flags: [5n] })],
    ['partition.setProperty', 'name', 'symbol', () => api.setProperty?.(Symbol('s'), 1)],
  ])(
    '%s: a bigint or symbol where a name goes is EINVAL naming %s and showing %s, not a TypeError from the message',
    (op, field, shown, call) => {
      const before = host.stats().hypercalls;
      const r = call();
      expect(r).toMatchObject({ ok: false, error: { source: 'argument', errnoName: 'EINVAL', op } });
      expect((r as { error: { field: string } }).error.field).toContain(field);
      expect((r as { error: { message: string } }).error.message).toContain(`${field}: ${shown}`);
      expect(host.stats().hypercalls).toEqual(before);
    },
  );

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

/**
 * A member an argument does not have is refused, naming it (review): a misspelt `writeable` mapped
 * a region read-only, `restor` made a VP ready, `sceduler` opened a core-smt host, all without a word.
 */
describe('unknown members of API arguments', () => {
  const host = testHost({ seed: 3 });
  const { partition } = running(host, 1);
  const api = partition as unknown as Record<string, (...a: unknown[]) => Result<unknown>>;
  const hostApi = host as unknown as Record<string, (...a: unknown[]) => Result<unknown>>;

  it.each([
    ['host.createPartition', () => hostApi.createPartition?.({ flags: [], nmae: 'x' }), 'spec.nmae'],
    [
      'partition.mapMemory',
      () => api.mapMemory?.({ guestPfn: 0x100000n, size: 4096n, userAddr: RAM_USER_ADDR, writeable: true }),
      'spec.writeable',
    ],
    ['partition.createVp', () => api.createVp?.(3, { restor: true }), 'options.restor'],
    ['partition.assignIrqfd', () => api.assignIrqfd?.({ gsi: 1, resmaple: true }), 'spec.resmaple'],
    ['partition.assignIoeventfd', () => api.assignIoeventfd?.({ addr: 0x1000n, len: 4, dm: 1n }), 'spec.dm'],
    [
      'partition.installIntercept',
      () => api.installIntercept?.('X64_CPUID', { paramter: 1n }),
      'options.paramter',
    ],
  ])('%s: EINVAL unknown-field naming %s, and nothing ran', (op, call, field) => {
    const before = host.stats().hypercalls;
    expect(call()).toMatchObject({
      ok: false,
      error: { source: 'argument', errnoName: 'EINVAL', op, field, rule: 'unknown-field' },
    });
    expect(host.stats().hypercalls).toEqual(before);
  });

  it('Host.open refuses an unknown option, a RAM range with an MMIO member, a bad durability or machines, and creates no log file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mshv-open-'));
    try {
      const log = join(dir, 'run.log');
      const ram = { kind: 'ram', userAddr: RAM_USER_ADDR, size: GiB, pageSize: 4096 } as const;
      const cases: [Record<string, unknown>, string, string][] = [
        [{ sceduler: 'root' }, 'options.sceduler', 'unknown-field'],
        [{ hostMemory: [{ ...ram, spa: 0n }] }, 'options.hostMemory[0].spa', 'unknown-field'],
        [{ durability: 'NORMAL' }, 'options.durability', 'durability'],
        [{ durability: 42 }, 'options.durability', 'durability'],
        [{ machines: 5 }, 'options.machines', 'machines'],
        [{ machines: {} }, 'options.machines', 'machines'],
      ];
      for (const [options, field, rule] of cases) {
        const r = Host.open({ ...options, log });
        expect(r).toMatchObject({ ok: false, error: { errnoName: 'EINVAL', field, rule } });
        expect(existsSync(log)).toBe(false);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('guest physical addresses past the 52-bit space are argument errors, logged nowhere (review)', () => {
  it('mapMemory and readDirty name the field and gpaWidth; nothing reaches the driver', () => {
    const sink = new MemorySink();
    const host = testHost({ log: sink });
    const { partition } = running(host, 1);
    const records = sink.records.length;
    expect(partition.mapMemory({ guestPfn: 1n << 40n, size: 4096n, userAddr: RAM_USER_ADDR })).toMatchObject({
      ok: false,
      error: { source: 'argument', errnoName: 'EINVAL', field: 'guestPfn', rule: 'gpaWidth' },
    });
    expect(
      partition.mapMemory({ guestPfn: (1n << 40n) - 1n, size: 8192n, userAddr: RAM_USER_ADDR }),
    ).toMatchObject({ ok: false, error: { field: 'size', rule: 'gpaWidth' } });
    must(partition.enableDirtyTracking());
    const tracked = sink.records.length;
    expect(partition.readDirty(65_536, (1n << 64n) - 1n)).toMatchObject({
      ok: false,
      error: { source: 'argument', field: 'base', rule: 'gpaWidth' },
    });
    expect(partition.readDirty(1, (1n << 40n) - 1n).ok).toBe(true);
    expect(sink.records.length).toBeGreaterThan(tracked);
    expect(records).toBeLessThan(tracked);
    must(host.close());
  });
});

describe('host.guest takes this host’s handles only (review)', () => {
  it('another host’s handle of the same name reaches nothing; a VP index that is not an integer is EINVAL naming vp', () => {
    const a = testHost();
    const b = testHost();
    const fromA = running(a, 1);
    const inB = running(b, 1);
    expect(fromA.partition.name).toBe(inB.partition.name);
    const vpA = fromA.vps[0];
    if (vpA === undefined) throw new Error('no VP');
    expect(b.guest(fromA.partition, vpA).exits([{ exit: 'HALT' }])).toMatchObject({
      ok: false,
      error: { errnoName: 'EBADF', rule: 'partitionOpen' },
    });
    expect(b.guest(inB.partition, vpA).signal()).toMatchObject({ ok: false, error: { errnoName: 'EBADF' } });
    expect(b.guest(inB.partition, '0' as never).signal()).toMatchObject({
      ok: false,
      error: { source: 'argument', errnoName: 'EINVAL', field: 'vp' },
    });
    must(b.guest(inB.partition, 0).signal());
    must(a.close());
    must(b.close());
  });
});
