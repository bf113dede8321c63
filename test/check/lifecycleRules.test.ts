import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { vpMachine } from '../../machines/vp/vpMachine.js';
import { CheckWorld } from '../../src/check/CheckWorld.js';
import { LIFECYCLE_RULES_MODEL_JSON, lifecycleRulesModel } from '../../src/check/lifecycleRulesModel.js';
import { runCheck } from '../../src/check/runCheck.js';
import type { Step } from '../../src/check/Step.js';
import { SHIPPED_MACHINES } from '../../src/runtime/Machines.js';

/**
 * The lifecycle-rules model and the invariants it exists for (vmm-lifecycle-rules 3, 4, 7, 8, 9, 11;
 * the rules review's findings F1 and F3). That each rule's planted break is found is
 * test/check/plantedVariants.test.ts; here: the shipped stack is clean on the model and the
 * invariants judge the rules' observable effects, not the machines' bookkeeping.
 */
const model = lifecycleRulesModel();

const intent = (name: string, args: unknown): Step => ({ kind: 'intent', name, args: args as never });
const partition = (request: unknown): Step => intent('partition', { key: 'vm0', request });
const vp = (request: unknown): Step => intent('vp', { key: 'vm0', vp: 0, request });
const out = intent('guest', {
  key: 'vm0',
  vp: 0,
  exits: [{ exit: 'IO_PORT', port: 0x3f8, write: true, size: 1, value: 72 }],
});
/** REGISTERS with RIP = 1 (the model's write: the skip of an OUT at RIP 0). */
const skipToRip1 = vp({
  type: 'SET_STATE',
  part: 'REGISTERS',
  detail: { data: `${'00'.repeat(256)}01${'00'.repeat(15)}02${'00'.repeat(15)}` },
});
const running: Step[] = [
  intent('createPartition', { key: 'vm0', args: { ptFlags: '0x0', ptIsolation: '0x0' } }),
  partition({ type: 'INITIALIZE' }),
  partition({ type: 'CREATE_VP', vp: 0 }),
  partition({
    type: 'MAP_MEMORY',
    region: 'ram4k',
    detail: { guestPfn: '0x1000', size: '0x8000', userAddr: '0x7f0100000000', flags: 3 },
  }),
  partition({ type: 'START' }),
  vp({ type: 'READY' }),
];

const msrs = vp({ type: 'SET_STATE', part: 'MSRS' });
const created: Step[] = running.slice(0, 3);

/** A world (shipped unless `variant`) that ran `steps`, each breaking nothing, observed from the first step. */
function world(...steps: Step[]): CheckWorld {
  return worldOf(undefined, ...steps);
}

function worldOf(
  variant: ConstructorParameters<typeof CheckWorld>[0]['variant'],
  ...steps: Step[]
): CheckWorld {
  const w = new CheckWorld({ world: model.world, variant });
  w.observing = true;
  for (const s of steps) expect(w.run(s).violation).toBeUndefined();
  return w;
}

describe('docs/check/lifecycle-rules.json', () => {
  it('is the text of LIFECYCLE_RULES_MODEL_JSON', () => {
    const file: unknown = JSON.parse(readFileSync('docs/check/lifecycle-rules.json', 'utf8'));
    expect(file).toEqual(JSON.parse(JSON.stringify(LIFECYCLE_RULES_MODEL_JSON)));
  });

  it('finishes clean on the shipped stack, and reaches every rule it is for', async () => {
    const r = await runCheck({ model, strategy: 'bfs' });
    expect(r.verdict).toBe('clean');
    // Each invariant it is for applies somewhere (the skip of an OUT once: 9 steps exactly).
    for (const name of [
      'frozenTimeRun',
      'ripNotAdvanced',
      'restoreOutOfOrder',
      'snapshotWhileRunning',
      'dirtyNotMarkedAtDisable',
      'liveness',
    ])
      expect([name, (r.coverage.invariants[name] ?? 0) > 0]).toEqual([name, true]);
    // Each rule's request is carried out, not only refused.
    for (const done of [
      'partition SET_REFERENCE_TIME → done',
      'partition PAUSE → done',
      'partition RESUME → done',
      'partition SNAPSHOT → done',
      'partition MARK_ALL_DIRTY → done',
      'partition DISABLE_DIRTY_TRACKING → done',
      'vp SET_STATE → done',
      'vp RUN → pending',
    ])
      expect([done, (r.coverage.intents[done] ?? 0) > 0]).toEqual([done, true]);
  });
});

describe('the lifecycle-rule invariants on the shipped stack', () => {
  it('ripNotAdvanced judges the RIP, not the write: a skip passes, REGISTERS written back unchanged is reported', () => {
    // The OUT exits at RIP 0; the skip writes RIP 1; the VP runs on (it sleeps: nothing to report).
    const w = world(...running, out, vp({ type: 'RUN' }), skipToRip1, vp({ type: 'RUN' }));
    // The next OUT exits at RIP 1. The same write leaves RIP there: the machine's guard lets the
    // RUN through (it tracks that REGISTERS was written), the hypervisor resumes the OUT again.
    expect(w.run(out).violation).toBeUndefined();
    expect(w.run(skipToRip1).violation).toBeUndefined();
    expect(w.run(vp({ type: 'RUN' })).violation).toEqual({
      invariant: 'ripNotAdvanced',
      message:
        "MSHV_RUN_VP resumes vm0/vp0 after an IO_PORT intercept with RIP still 0x1, the exit's RIP (not advanced)",
    });
  });

  it('dirtyNotMarkedAtDisable holds for enable, a pass, mark all, disable, and a second enable and disable', () => {
    const w = world(
      ...running,
      partition({ type: 'ENABLE_DIRTY_TRACKING' }),
      partition({ type: 'READ_DIRTY', pages: 8, detail: { base: '0x1000' } }),
      partition({ type: 'MARK_ALL_DIRTY' }),
      partition({ type: 'DISABLE_DIRTY_TRACKING' }),
      partition({ type: 'ENABLE_DIRTY_TRACKING' }),
      partition({ type: 'MARK_ALL_DIRTY' }),
    );
    expect(w.run(partition({ type: 'DISABLE_DIRTY_TRACKING' })).outcome?.status).toBe('done');
  });

  it('restoreOutOfOrder: rule 8 order during a restore passes; after READY a write is not a restore', () => {
    // CREATE_VP leaves the VP created: MSRS then REGISTERS is the restore order.
    const w = world(...created, msrs, skipToRip1);
    // The VMM declares the VP ready: what it writes now is not a restore.
    expect(w.run(vp({ type: 'READY' })).outcome?.status).toBe('done');
    expect(w.restores.progress(w.partitionId('vm0') ?? 0n, 0)).toBeUndefined();
    expect(w.run(msrs)).toMatchObject({ violation: undefined, outcome: { status: 'done' } });
    // On the shipped stack the guard refuses MSRS after REGISTERS during a restore: nothing is written.
    const refused = world(...created, skipToRip1).run(msrs);
    expect(refused).toMatchObject({ violation: undefined, unchanged: true });
  });

  it('restoreOutOfOrder judges what the hypervisor was asked to write, remembered across unobserved steps', () => {
    const variant = {
      name: 'restoreInAnyOrder',
      machines: {
        ...SHIPPED_MACHINES,
        vp: vpMachine.provide({ guards: { vpStateRestoreInOrder: () => true } }),
      },
    };
    // The prefix runs unobserved, as exploration replays it; the last step alone is judged.
    const w = new CheckWorld({ world: model.world, variant });
    for (const s of [...created, skipToRip1]) expect(w.run(s).outcome?.status).toBe('done');
    w.observing = true;
    expect(w.run(msrs).violation).toEqual({
      invariant: 'restoreOutOfOrder',
      message:
        'SET_VP_REGISTERS writes MSRS into vm0/vp0 during its restore after REGISTERS (rule 8: MSRS comes first)',
    });
    // The same writes after READY are the running VMM's, on the variant too (worldOf: no violation).
    expect(worldOf(variant, ...created, vp({ type: 'READY' }), skipToRip1, msrs).keys()).toEqual(['vm0']);
  });

  it('a pause and a close of a partition whose VP sleeps in MSHV_RUN_VP leave no run behind', () => {
    const w = world(...running, vp({ type: 'RUN' }));
    expect(w.pendingRunKeys()).toEqual(new Set(['vm0/0']));
    const paused = w.run(partition({ type: 'PAUSE' }));
    expect(paused.outcome?.status).toBe('done');
    expect(paused.violation).toBeUndefined();
    expect(w.pendingRunKeys().size).toBe(0);
    // A RUN into the paused partition (time frozen) is refused: nothing reaches MSHV_RUN_VP.
    expect(w.run(vp({ type: 'RUN' }))).toMatchObject({ violation: undefined, unchanged: true });
    expect(w.run(partition({ type: 'CLOSE' })).violation).toBeUndefined();
  });
});
