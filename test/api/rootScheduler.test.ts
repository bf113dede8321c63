import { describe, expect, it } from 'vitest';
import { must, running, testHost } from './hostRig.js';

describe('the Host API under the root scheduler (inventory §c.6)', () => {
  it('a HALT blocks the VP in the hypervisor (the run sleeps); later work wakes it; pause kicks it; close is clean', async () => {
    const host = testHost({ scheduler: 'root' });
    expect(host.describe()).toContain('scheduler root');
    const { partition, vps } = running(host, 2);
    const vp = vps[1]!;
    host
      .guest(partition, vp)
      .exits([{ exit: 'IO_PORT', port: 0x80, write: true, size: 1, value: 1 }, { exit: 'HALT' }]);
    const io = must(await vp.run());
    expect(io).toMatchObject({ kind: 'IO_PORT', port: 0x80, vpIndex: 1 });
    must(vp.skipInstruction(io));
    // The HALT blocks the VP: the run sleeps until new work arrives.
    const halted = vp.run();
    expect(host.sleepingRuns).toBe(1);
    host.guest(partition, vp).exits([{ exit: 'CPUID', leaf: 7, subleaf: 0 }, { exit: 'HALT' }]);
    expect(must(await halted)).toMatchObject({ kind: 'CPUID', leaf: 7n });
    // Halted again: pause kicks the sleeping run out, resume lets the VP take the work queued since.
    const again = vp.run();
    must(partition.pause());
    expect(await again).toMatchObject({ ok: false, error: { errnoName: 'EINTR' } });
    must(partition.resume());
    host.guest(partition, vp).exits([{ exit: 'MSR', msr: 0x10, write: false, value: 0n }]);
    expect(must(await vp.run())).toMatchObject({ kind: 'MSR', msr: 0x10 });
    must(host.close());
    expect(host.audit().ok).toBe(true);
  });

  it('work queued behind a HALT in one script wakes the VP after the halt', async () => {
    const host = testHost({ scheduler: 'root' });
    const { partition, vps } = running(host, 1);
    const vp = vps[0]!;
    host.guest(partition, vp).exits([{ exit: 'HALT' }, { exit: 'CPUID', leaf: 1, subleaf: 0 }]);
    expect(must(await vp.run())).toMatchObject({ kind: 'CPUID', leaf: 1n });
    must(host.close());
  });
});
