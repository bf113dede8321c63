import { describe, expect, it } from 'vitest';
import { must, running, testHost } from './hostRig.js';

describe('a pause whose kick failed leaves the VP able to run (review: the VP was wedged for good)', () => {
  it('inventory §c.6: the exit the VP took while no thread was in MSHV_RUN_VP is the next run’s, at once', async () => {
    for (const faults of [[], [{ call: 'SET_VP_REGISTERS' as const, nth: 2, status: 'ACCESS_DENIED' }]]) {
      const host = testHost({ faults });
      const { partition, vps } = running(host, 1);
      const vp = vps[0];
      if (vp === undefined) throw new Error('no VP');
      const sleeping = vp.run(); // the guest has nothing to report: the run sleeps in MSHV_RUN_VP
      must(partition.pause()); // kicks it; with the fault the explicit suspend fails (EIO)
      const kicked = await sleeping;
      expect(kicked.ok).toBe(false);
      if (!kicked.ok) expect(kicked.error.errnoName).toBe(faults.length === 0 ? 'EINTR' : 'EIO');
      must(partition.resume());
      must(host.guest(partition, vp).exits([{ exit: 'HALT' }]));
      // Before the fix the HALT sat in SINT0 and the run slept until a signal, then ended EINTR.
      const r = await vp.run();
      expect(r).toMatchObject({ ok: true, value: { kind: 'HALT' } });
      expect(host.sleepingRuns).toBe(0);
      must(host.close());
      expect(host.audit().ok).toBe(true);
    }
  });
});
