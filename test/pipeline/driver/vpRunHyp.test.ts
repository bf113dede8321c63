import { describe, expect, it } from 'vitest';
import { HvStatus } from '../../../src/hv/HvStatus.js';
import { HypercallCode } from '../../../src/hv/HypercallCode.js';
import { HV_VP_STATE_PAGE } from '../../../src/hv/flags/HvVpState.js';
import { createVp } from '../../../src/pipeline/driver/createVp.js';
import type { KernelVp } from '../../../src/pipeline/driver/KernelPartition.js';
import { runVp } from '../../../src/pipeline/driver/runVp.js';
import { KICK_WAIT_ROUNDS_MAX } from '../../../src/pipeline/driver/waitForKick.js';
import type { HypercallEvent } from '../../../src/pipeline/HypercallRecorder.js';
import { facts, hvMessageBytes, inputOf, vpRig } from './vpRig.js';

const { HVMSG, HV_REGISTER } = facts.flags_enums;

/** The (name, value) register pairs of a SET_VP_REGISTERS input, or the names of a GET. */
function registers(e: HypercallEvent): [number, bigint][] | number[] {
  const v = inputOf(e);
  if (e.name === 'GET_VP_REGISTERS')
    return Array.from({ length: e.repCount }, (_, i) => v.getUint32(16 + i * 4, true));
  return Array.from({ length: e.repCount }, (_, i): [number, bigint] => [
    v.getUint32(16 + i * 32, true),
    v.getBigUint64(16 + i * 32 + 16, true),
  ]);
}

/** A rig with one created VP whose intercept page holds an X64_HALT exit once the guest runs. */
function running(scheduler: 'lp' | 'lp-smt' | 'core-smt' = 'core-smt') {
  const r = vpRig(scheduler);
  const res = createVp(r.env, r.pt, 2, 4);
  if (!res.ok) throw new Error(res.error.message);
  const vp: KernelVp = res.value;
  const interceptPfn = vp.statePages.get(HV_VP_STATE_PAGE.INTERCEPT_MESSAGE)!;
  /** The guest exits: the hypervisor fills the intercept page and posts OPAQUE_INTERCEPT on SINT0. */
  const exit = () => {
    r.shared.writePage(interceptPfn, hvMessageBytes(HVMSG.X64_HALT!, r.pt.id));
    r.shared.post(
      hvMessageBytes(HVMSG.OPAQUE_INTERCEPT!, r.pt.id, (p) => {
        p.setUint32(0, vp.index, true);
      }),
    );
  };
  r.events.length = 0;
  return { ...r, vp, exit };
}

describe('MSHV_RUN_VP with the hypervisor scheduler (inventory §c.6)', () => {
  it.each(['lp', 'lp-smt', 'core-smt'] as const)(
    '%s: resumes with INTERCEPT_SUSPEND=0 then EXPLICIT_SUSPEND=0 in one call and returns the exit',
    (scheduler) => {
      const r = running(scheduler);
      r.shared.steps.push(r.exit);
      const res = runVp(r.env, r.pt, r.vp);
      expect(res.ok).toBe(true);
      if (!res.ok) return;
      expect(res.value.length).toBe(facts.limits.HV_MESSAGE_SIZE);
      expect(new DataView(res.value.buffer).getUint32(0, true)).toBe(HVMSG.X64_HALT);
      expect(r.names()).toEqual(['SET_VP_REGISTERS']);
      expect(registers(r.events[0]!)).toEqual([
        [HV_REGISTER.INTERCEPT_SUSPEND, 0n],
        [HV_REGISTER.EXPLICIT_SUSPEND, 0n],
      ]);
      expect([r.vp.kickedByHv, r.vp.signaledCount, r.shared.acks]).toEqual([false, 1, 1]);
    },
  );

  it('a signal with no intercept in flight: EXPLICIT_SUSPEND=1, read INTERCEPT_SUSPEND, -EINTR', () => {
    const r = running();
    r.shared.signals = 1;
    r.port.output(HypercallCode.GET_VP_REGISTERS, (out) => {
      out.setBigUint64(0, 0n, true);
    });
    const res = runVp(r.env, r.pt, r.vp);
    expect(res.ok ? 'ok' : res.error.errnoName).toBe('EINTR');
    expect(r.names()).toEqual(['SET_VP_REGISTERS', 'SET_VP_REGISTERS', 'GET_VP_REGISTERS']);
    expect(registers(r.events[1]!)).toEqual([[HV_REGISTER.EXPLICIT_SUSPEND, 1n]]);
    expect(registers(r.events[2]!)).toEqual([HV_REGISTER.INTERCEPT_SUSPEND]);
    expect(r.shared.rounds).toBe(0);
  });

  it('a signal with an intercept in flight waits uninterruptibly for it and returns the message', () => {
    const r = running();
    r.shared.signals = 1;
    r.port.output(HypercallCode.GET_VP_REGISTERS, (out) => {
      out.setBigUint64(0, 1n, true);
    });
    // A second signal during the uninterruptible wait must not end it; the message arrives later.
    r.shared.steps.push(() => (r.shared.signals = 1), r.exit);
    const res = runVp(r.env, r.pt, r.vp);
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(new DataView(res.value.buffer).getUint32(0, true)).toBe(HVMSG.X64_HALT);
    expect(r.names()).toEqual(['SET_VP_REGISTERS', 'SET_VP_REGISTERS', 'GET_VP_REGISTERS']);
    expect([r.shared.rounds, r.shared.signals, r.vp.kickedByHv]).toEqual([2, 1, false]);
  });

  it('a kick for another VP does not wake this one', () => {
    const r = running();
    const other = createVp(r.env, r.pt, 3, 5);
    if (!other.ok) throw new Error(other.error.message);
    r.shared.steps.push(() => {
      r.shared.post(
        hvMessageBytes(HVMSG.OPAQUE_INTERCEPT!, r.pt.id, (p) => {
          p.setUint32(0, 3, true);
        }),
      );
    }, r.exit);
    expect(runVp(r.env, r.pt, r.vp).ok).toBe(true);
    expect([r.shared.rounds, other.value.kickedByHv, r.vp.signaledCount]).toEqual([2, true, 1]);
  });

  it('returns the errno of a failed resume and does not wait', () => {
    const r = running();
    r.port.script(HypercallCode.SET_VP_REGISTERS, () => ({ result: HvStatus.INVALID_VP_STATE, reps: 0 }));
    const res = runVp(r.env, r.pt, r.vp);
    expect(res.ok ? 'ok' : [res.error.errnoName, res.error.hvStatus]).toEqual([
      'EIO',
      HvStatus.INVALID_VP_STATE,
    ]);
    expect(r.shared.rounds).toBe(0);
  });

  it(`throws a broken invariant, not a hang, after ${KICK_WAIT_ROUNDS_MAX} rounds without a kick`, () => {
    const r = running();
    expect(() => runVp(r.env, r.pt, r.vp)).toThrow(/not woken after 1024 hypervisor rounds/);
    expect(r.shared.rounds).toBe(KICK_WAIT_ROUNDS_MAX);
  });
});
