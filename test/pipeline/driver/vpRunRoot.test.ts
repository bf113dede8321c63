import { describe, expect, it } from 'vitest';
import { HvStatus } from '../../../src/hv/HvStatus.js';
import { HypercallCode } from '../../../src/hv/HypercallCode.js';
import { HV_STATS_AREA } from '../../../src/hv/flags/HvStats.js';
import { HV_VP_STATE_PAGE } from '../../../src/hv/flags/HvVpState.js';
import { DispatchVpInput } from '../../../src/hv/hypercalls/DispatchVp.js';
import { createVp } from '../../../src/pipeline/driver/createVp.js';
import { runVp } from '../../../src/pipeline/driver/runVp.js';
import { ROOT_DISPATCH_ROUNDS_MAX } from '../../../src/pipeline/driver/runVpRootScheduler.js';
import { VP_REGISTER_PAGE_INTERRUPT_VECTORS_OFFSET } from '../../../src/pipeline/driver/vpInterruptPending.js';
import { facts, hvMessageBytes, inputOf, vpRig } from './vpRig.js';

const { HVMSG, HV_REGISTER, HV_DISPATCH_VP_FLAG } = facts.flags_enums;
const BLOCKED_COUNTER_OFFSET = facts.flags_enums.VpRootDispatchThreadBlocked_counter_index.NEW_x86 * 8;
const STATE = { BLOCKED: 1, READY: 2 } as const;
const EVENT = { NONE: 0, SUSPEND: 1, INTERCEPT: 2 } as const;

function rootVp() {
  const r = vpRig('root');
  const res = createVp(r.env, r.pt, 1, 4);
  if (!res.ok) throw new Error(res.error.message);
  const vp = res.value;
  const page = (m: Map<number, bigint>, k: number) => m.get(k)!;
  /** DISPATCH_VP answers, in order; READY+INTERCEPT also writes an IO-port exit into the intercept page. */
  const answer = (...outs: [number, number][]) => {
    r.port.output(
      HypercallCode.DISPATCH_VP,
      ...outs.map(([state, event]) => (out: DataView) => {
        out.setUint32(0, state, true);
        out.setUint32(4, event, true);
        if (event === EVENT.INTERCEPT) {
          const msg = hvMessageBytes(HVMSG.X64_IO_PORT_INTERCEPT!, r.pt.id);
          r.shared.writePage(page(vp.statePages, HV_VP_STATE_PAGE.INTERCEPT_MESSAGE), msg);
        }
      }),
    );
  };
  /** A scheduler BITSET message naming this VP (bank 0, bit = index). */
  const bitsetKick = () => {
    r.shared.post(
      hvMessageBytes(HVMSG.SCHEDULER_VP_SIGNAL_BITSET!, 0n, (p) => {
        p.setBigUint64(0, r.pt.id, true);
        p.setUint16(12, 1, true);
        p.setBigUint64(24, 1n, true);
        p.setBigUint64(32, 1n << BigInt(vp.index), true);
      }),
    );
  };
  const statsPfn = (area: number) => page(vp.statsPages, area);
  const registerPfn = page(vp.statePages, HV_VP_STATE_PAGE.REGISTERS);
  const dispatchFlags = () =>
    r.events.filter((e) => e.name === 'DISPATCH_VP').map((e) => DispatchVpInput.decode(inputOf(e)).flags);
  r.events.length = 0;
  return { ...r, vp, answer, bitsetKick, statsPfn, registerPfn, dispatchFlags };
}

describe('MSHV_RUN_VP with the root scheduler (inventory §c.6)', () => {
  it('READY + INTERCEPT: one DISPATCH_VP (time slice 0, spec_ctrl 0), message returned, intercept_suspend set', () => {
    const r = rootVp();
    r.answer([STATE.READY, EVENT.INTERCEPT]);
    const res = runVp(r.env, r.pt, r.vp);
    expect(res.ok && new DataView(res.value.buffer).getUint32(0, true)).toBe(HVMSG.X64_IO_PORT_INTERCEPT);
    expect(r.names()).toEqual(['DISPATCH_VP']);
    expect(DispatchVpInput.decode(inputOf(r.events[0]!))).toEqual({
      partitionId: r.pt.id,
      vpIndex: 1,
      flags: 0,
      timeSlice: 0n,
      specCtrl: 0n,
    });
    expect([r.vp.interceptSuspend, r.vp.rootSchedDispatched]).toEqual([true, false]);
  });

  it('the next run after an intercept passes CLEAR_INTERCEPT_SUSPEND', () => {
    const r = rootVp();
    r.answer([STATE.READY, EVENT.INTERCEPT], [STATE.READY, EVENT.INTERCEPT]);
    runVp(r.env, r.pt, r.vp);
    runVp(r.env, r.pt, r.vp);
    expect(r.dispatchFlags()).toEqual([0, HV_DISPATCH_VP_FLAG.CLEAR_INTERCEPT_SUSPEND]);
  });

  it('BLOCKED (halt): marks root_sched_blocked, waits for the scheduler kick, dispatches again', () => {
    const r = rootVp();
    r.answer([STATE.BLOCKED, EVENT.NONE], [STATE.READY, EVENT.INTERCEPT]);
    let blockedDuringWait = false;
    r.shared.steps.push(() => {
      blockedDuringWait = r.vp.rootSchedBlocked;
      r.bitsetKick();
    });
    expect(runVp(r.env, r.pt, r.vp).ok).toBe(true);
    expect(r.names()).toEqual(['DISPATCH_VP', 'DISPATCH_VP']);
    expect([blockedDuringWait, r.vp.rootSchedBlocked, r.vp.kickedByHv, r.shared.rounds]).toEqual([
      true,
      false,
      false,
      1,
    ]);
  });

  it.each([HV_STATS_AREA.SELF, HV_STATS_AREA.PARENT])(
    'a kick does not end the wait while RootDispatchThreadBlocked (counter 202) is set in stats area %s',
    (area) => {
      const r = rootVp();
      r.answer([STATE.BLOCKED, EVENT.NONE], [STATE.READY, EVENT.INTERCEPT]);
      r.shared.steps.push(
        () => {
          r.shared.setU64(r.statsPfn(area), BLOCKED_COUNTER_OFFSET, 1n);
          r.bitsetKick();
        },
        () => {
          r.shared.setU64(r.statsPfn(area), BLOCKED_COUNTER_OFFSET, 0n);
        },
      );
      expect(runVp(r.env, r.pt, r.vp).ok).toBe(true);
      expect(r.shared.rounds).toBe(2);
    },
  );

  it('BLOCKED + SUSPEND: clears EXPLICIT_SUSPEND, waits for a PAIR kick, dispatches again', () => {
    const r = rootVp();
    r.answer([STATE.BLOCKED, EVENT.SUSPEND], [STATE.READY, EVENT.INTERCEPT]);
    r.shared.steps.push(() => {
      r.shared.post(
        hvMessageBytes(HVMSG.SCHEDULER_VP_SIGNAL_PAIR!, 0n, (p) => {
          p.setUint8(4, 1);
          p.setBigUint64(8, r.pt.id, true);
          p.setUint32(160, r.vp.index, true);
        }),
      );
    });
    expect(runVp(r.env, r.pt, r.vp).ok).toBe(true);
    expect(r.names()).toEqual(['DISPATCH_VP', 'SET_VP_REGISTERS', 'DISPATCH_VP']);
    const set = inputOf(r.events[1]!);
    expect([set.getUint32(16, true), set.getBigUint64(32, true)]).toEqual([HV_REGISTER.EXPLICIT_SUSPEND, 0n]);
    expect(r.vp.rootSchedBlocked).toBe(false);
  });

  it('pending vectors end the wait without a kick and add SCAN_INTERRUPT_INJECTION', () => {
    const r = rootVp();
    r.answer([STATE.BLOCKED, EVENT.NONE], [STATE.READY, EVENT.INTERCEPT]);
    r.shared.steps.push(() => {
      r.shared.setU64(r.registerPfn, VP_REGISTER_PAGE_INTERRUPT_VECTORS_OFFSET, 0x3001n);
    });
    expect(runVp(r.env, r.pt, r.vp).ok).toBe(true);
    expect(r.dispatchFlags()).toEqual([0, HV_DISPATCH_VP_FLAG.SCAN_INTERRUPT_INJECTION]);
    expect(r.vp.signaledCount).toBe(0);
  });

  it('a pending signal ends the run with -EINTR before any DISPATCH_VP', () => {
    const r = rootVp();
    r.shared.signals = 1;
    const res = runVp(r.env, r.pt, r.vp);
    expect(res.ok ? 'ok' : res.error.errnoName).toBe('EINTR');
    expect(r.events).toEqual([]);
  });

  it('a signal during the blocked wait: -EINTR, still blocked; the next run waits before dispatching', () => {
    const r = rootVp();
    r.answer([STATE.BLOCKED, EVENT.NONE], [STATE.READY, EVENT.INTERCEPT]);
    r.shared.steps.push(() => (r.shared.signals = 1));
    const first = runVp(r.env, r.pt, r.vp);
    expect(first.ok ? 'ok' : first.error.errnoName).toBe('EINTR');
    expect(r.vp.rootSchedBlocked).toBe(true);
    r.shared.steps.push(r.bitsetKick);
    expect(runVp(r.env, r.pt, r.vp).ok).toBe(true);
    expect(r.names()).toEqual(['DISPATCH_VP', 'DISPATCH_VP']);
    expect([r.shared.rounds, r.vp.rootSchedBlocked]).toEqual([2, false]);
  });

  it('sets root_sched_dispatched around DISPATCH_VP and returns its errno on failure', () => {
    const r = rootVp();
    const during: boolean[] = [];
    r.port.onCall = () => during.push(r.vp.rootSchedDispatched);
    r.port.script(HypercallCode.DISPATCH_VP, () => ({ result: HvStatus.INVALID_VP_INDEX }));
    const res = runVp(r.env, r.pt, r.vp);
    expect(res.ok ? 'ok' : [res.error.errnoName, res.error.hypercall]).toEqual(['EINVAL', 'DISPATCH_VP']);
    expect([during, r.vp.rootSchedDispatched]).toEqual([[true], false]);
  });

  it(`throws a broken invariant after ${ROOT_DISPATCH_ROUNDS_MAX} dispatches without an intercept`, () => {
    const r = rootVp();
    r.port.defaults.set(HypercallCode.DISPATCH_VP, (out) => {
      out.setUint32(0, STATE.READY, true);
      out.setUint32(4, EVENT.NONE, true);
    });
    expect(() => runVp(r.env, r.pt, r.vp)).toThrow(/1024 dispatches without an intercept/);
    expect(r.events.length).toBe(ROOT_DISPATCH_ROUNDS_MAX);
  });
});
