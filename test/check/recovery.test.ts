import { describe, expect, it } from 'vitest';
import type { CheckVariant } from '../../src/check/CheckVariant.js';
import { CheckWorld } from '../../src/check/CheckWorld.js';
import { reproduce } from '../../src/check/Counterexample.js';
import { defaultModel } from '../../src/check/defaultModel.js';
import { runCheck } from '../../src/check/runCheck.js';
import { recovery } from '../../src/check/invariants/index.js';
import type { Step } from '../../src/check/Step.js';
import { zeroThenFill, type InputFiller } from '../../src/pipeline/fillInputPage.js';

const model = defaultModel();
const intent = (name: string, args: unknown): Step => ({ kind: 'intent', name, args: args as never });
const partition = (request: object): Step => intent('partition', { key: 'vm0', request });
const BOOTED: Step[] = [
  intent('createPartition', { key: 'vm0', args: { ptFlags: '0x7', ptIsolation: '0x0' } }),
  partition({ type: 'INITIALIZE' }),
  partition({ type: 'CREATE_VP', vp: 0 }),
  partition({
    type: 'MAP_MEMORY',
    region: 'ram4k',
    detail: { guestPfn: '0x1000', size: '0x8000', userAddr: '0x7f0100000000', flags: 1 },
  }),
  intent('vp', { key: 'vm0', vp: 0, request: { type: 'READY' } }),
  partition({ type: 'START' }),
];
const CRASH: Step = { kind: 'crash' };

function crashAfter(steps: readonly Step[], variant?: CheckVariant, recover?: boolean): CheckWorld {
  const w = new CheckWorld({ world: model.world, variant, ...(recover === undefined ? {} : { recover }) });
  w.observing = true;
  for (const s of steps) expect(w.run(s).violation).toBeUndefined();
  return w;
}

describe('the recovery invariant (a crash point followed by recover, issues 5 and 6)', () => {
  it('recovers a booted partition from its committed log: the rebuilt state is what the VMM held, and nothing is left', () => {
    const w = crashAfter(BOOTED);
    const r = w.run(CRASH);
    expect(r.violation).toBeUndefined();
    const rec = w.recovery;
    expect(rec?.report.status).toBe('reconciled');
    expect(rec?.report.live).toEqual(rec?.held);
    const [p] = rec?.held?.partitions ?? [];
    expect(p?.state).toBe('live.running');
    expect(p?.vps.map((v) => v.index)).toEqual([0]);
    expect(p?.regions).toEqual([{ guestPfn: 0x1000, pages: 8, kind: 'ram', userAddr: '0x7f0100000000' }]);
    expect(rec?.report.teardown.map((t) => t.result)).toEqual(['ok', 'ok']);
    expect(rec?.report.audit?.clean).toBe(true);
  });

  it('a fault step naming a call the world already faults at that count arms nothing, so the crash log still replays', () => {
    // The world's fixed fault answers CREATE_VP call 1; arming call 1 again could never fire, and a
    // run header holding both is a plan readRunMeta refuses (a call answers one status).
    const world = {
      ...model.world,
      hypervisor: {
        ...model.world.hypervisor,
        faults: [{ call: 'CREATE_VP' as const, nth: 1, status: 0x000b, statusName: 'INSUFFICIENT_MEMORY' }],
      },
    };
    const w = new CheckWorld({ world });
    w.observing = true;
    const fault: Step = { kind: 'fault', call: 'CREATE_VP', status: 0x0006, skip: 0 };
    for (const s of [...BOOTED.slice(0, 2), fault, ...BOOTED.slice(2)])
      expect(w.run(s).violation).toBeUndefined();
    expect(w.armed).toEqual([]);
    expect(w.run(CRASH).violation).toBeUndefined();
    expect(w.recovery?.report.status).toBe('reconciled');
  });

  it('recovers after an armed fault fired (the recover world carries the fault at its absolute call count)', () => {
    const fault: Step = { kind: 'fault', call: 'CREATE_VP', status: 0x000b, skip: 0 };
    const w = crashAfter([...BOOTED.slice(0, 2), fault, ...BOOTED.slice(2)]);
    expect(w.run(CRASH).violation).toBeUndefined();
    expect(w.recovery?.report.status).toBe('reconciled');
    // Between intents the committed log ends at a result: the replay reproduces all of it.
    expect(w.recovery?.report.replay).toMatchObject({ status: 'identical', complete: true });
    expect(w.recovery?.held?.partitions[0]?.vps.map((v) => v.index)).toEqual([0]);
  });

  /**
   * A driver whose CREATE_VP input carries a counter kept outside the world (in subnode_id, which
   * the hypervisor takes as given): a log of its run cannot be replayed, so nothing can be recovered.
   */
  function stampingVariant(): CheckVariant {
    let calls = 0;
    const stamping: InputFiller = (plan, page, from, count) => {
      zeroThenFill(plan, page, from, count);
      calls += 1;
      if (plan.def.name === 'CREATE_VP') page.view.setUint8(16, calls & 0xff);
    };
    return { name: 'stampsOutsideState', world: { fill: stamping } };
  }

  it('finds a driver whose hypercall input depends on state outside the log: its log does not replay', () => {
    const variant = stampingVariant();
    const w = new CheckWorld({ world: model.world, variant });
    for (const s of BOOTED) w.run(s);
    w.observing = true;
    const r = w.run(CRASH);
    expect(r.violation?.invariant).toBe('recovery');
    expect(r.violation?.message).toMatch(
      /^recover after the crash: diverged: its log does not replay: seq \d+: the replay passes CREATE_VP other input bytes than the log recorded/,
    );
  });

  it('does not apply to other steps, nor to a world that does not recover', () => {
    const w = crashAfter(BOOTED, undefined, false);
    expect(w.run(CRASH).violation).toBeUndefined();
    expect(w.recovery).toBeUndefined();
    expect(
      recovery.afterStep?.(
        {
          step: CRASH,
          outcome: undefined,
          error: undefined,
          pendingBefore: new Set(),
          operations: [],
          results: [],
        },
        w,
      ),
    ).toBeNull();
  });

  it('is what the checker reports for that driver, with a short counterexample that reproduces', async () => {
    const variant = stampingVariant();
    const r = await runCheck({ model, variant, strategy: 'bfs' });
    expect(r.verdict).toBe('violation');
    const cex = r.counterexample;
    expect(cex?.invariant).toBe('recovery');
    expect(cex?.crash).toBe(true);
    expect(cex?.intents.map((i) => i.name)).toEqual(['createPartition', 'partition', 'partition']);
    if (cex !== undefined) expect(reproduce(cex, variant)?.invariant).toBe('recovery');
  });
});
