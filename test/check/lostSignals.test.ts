import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { judgeCounterexampleLog } from '../../src/check/judgeCounterexampleLog.js';
import { writeCounterexampleLog } from '../../src/check/writeCounterexampleLog.js';
import { openLog } from '../../src/log/LogReader.js';
import { recoverLog } from '../../src/replay/recoverRecords.js';
import { replayLog } from '../../src/replay/replayLog.js';
import { CheckWorld } from '../../src/check/CheckWorld.js';
import { type Counterexample, worldFromJson, worldJson } from '../../src/check/Counterexample.js';
import { LIFECYCLE_RULES_MODEL_JSON } from '../../src/check/lifecycleRulesModel.js';
import { loadCheckModel } from '../../src/check/loadCheckModel.js';
import { runCheck } from '../../src/check/runCheck.js';
import type { Step } from '../../src/check/Step.js';
import { KICK_RESIGNALS_MAX } from '../../src/runtime/ControlPlane.js';

/**
 * vmm-lifecycle-rules 4 (openvmm PR 3917; the rules review's finding F3): /dev/mshv has no sticky
 * cancel, so a kick that reaches a VP thread between its stop check and MSHV_RUN_VP is lost, and the
 * canceller must signal again. `world.lostSignals` makes the checker's world lose the first signals,
 * so the control plane's re-signal loop (`KICK_RESIGNALS_MAX`) and its EBUSY answer run.
 */
const modelJson = (lostSignals: number | 'all', steps: number = LIFECYCLE_RULES_MODEL_JSON.bounds.steps) => ({
  ...LIFECYCLE_RULES_MODEL_JSON,
  world: { ...LIFECYCLE_RULES_MODEL_JSON.world, lostSignals },
  bounds: { ...LIFECYCLE_RULES_MODEL_JSON.bounds, steps },
});
const modelWith = (lostSignals: number | 'all', steps?: number) =>
  loadCheckModel(modelJson(lostSignals, steps));

const intent = (name: string, args: unknown): Step => ({ kind: 'intent', name, args: args as never });
const partition = (request: unknown): Step => intent('partition', { key: 'vm0', request });
const vp = (request: unknown): Step => intent('vp', { key: 'vm0', vp: 0, request });
/** A VP thread sleeping in MSHV_RUN_VP (the guest has nothing to report). */
const sleeping: Step[] = [
  intent('createPartition', { key: 'vm0', args: { ptFlags: '0x0', ptIsolation: '0x0' } }),
  partition({ type: 'INITIALIZE' }),
  partition({ type: 'CREATE_VP', vp: 0 }),
  partition({ type: 'START' }),
  vp({ type: 'READY' }),
  vp({ type: 'RUN' }),
];

function sleepingWorld(lostSignals: number | 'all'): CheckWorld {
  const w = new CheckWorld({ world: modelWith(lostSignals).world });
  w.observing = true;
  for (const s of sleeping) expect(w.run(s).violation).toBeUndefined();
  expect(w.pendingRunKeys()).toEqual(new Set(['vm0/0']));
  return w;
}

describe('world.lostSignals', () => {
  it('loads as a u32 or "all", and a counterexample world keeps it', () => {
    expect(modelWith(1).world.lostSignals).toBe(1);
    expect(modelWith('all').world.lostSignals).toBe(Number.POSITIVE_INFINITY);
    expect(worldJson(modelWith('all').world).lostSignals).toBe('all');
    expect(worldFromJson(worldJson(modelWith(2).world), '$.world').lostSignals).toBe(2);
    expect(() => modelWith(-1 as never)).toThrow(/lostSignals/);
    expect(() => modelWith('some' as never)).toThrow(/lostSignals/);
    expect(loadCheckModel(LIFECYCLE_RULES_MODEL_JSON).world.lostSignals).toBeUndefined();
    // recover rebuilds a crash's world from the log's run meta, which keeps lostSignals: allowed.
    expect(loadCheckModel({ ...modelJson(1), crash: true })).toMatchObject({
      crash: true,
      world: { lostSignals: 1 },
    });
  });

  it('a log of a world that loses a count of signals carries the count in its run meta, and replays byte for byte', () => {
    const world = modelWith(1).world;
    const cex: Counterexample = {
      invariant: 'none',
      message: 'a session whose pause re-signals',
      variant: null,
      model: 'lifecycle-rules',
      world,
      randomFaults: null,
      intents: [...sleeping, partition({ type: 'PAUSE' })].flatMap((s) =>
        s.kind === 'intent' ? [{ name: s.name, args: s.args }] : [],
      ),
      crash: false,
      steps: [...sleeping, partition({ type: 'PAUSE' })],
      trace: [],
    };
    const dir = mkdtempSync(join(tmpdir(), 'mshv-lost1-'));
    try {
      const file = join(dir, 'lost1.log');
      expect(writeCounterexampleLog(cex, file)).toBeUndefined();
      const log = openLog(file);
      expect(log.header.meta.run).toMatchObject({ lostSignals: 1 });
      log.close();
      expect(replayLog(file)).toMatchObject({ status: 'identical', complete: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('recover of a crashed run whose world lost every signal rebuilds it losing them too: the failed pause (EBUSY) replays, and the teardown of the VP still in MSHV_RUN_VP leaves nothing (before, the replay delivered the first kick: a divergence, and crashes were refused with lostSignals)', () => {
    const steps = [...sleeping, partition({ type: 'PAUSE' })];
    const cex: Counterexample = {
      invariant: 'liveness',
      message: 'the pause gave up with the run in MSHV_RUN_VP',
      variant: null,
      model: 'lifecycle-rules',
      world: modelWith('all').world,
      randomFaults: null,
      intents: steps.flatMap((s) => (s.kind === 'intent' ? [{ name: s.name, args: s.args }] : [])),
      crash: true,
      steps: [...steps, { kind: 'crash' }],
      trace: [],
    };
    const dir = mkdtempSync(join(tmpdir(), 'mshv-lost-crash-'));
    try {
      const file = join(dir, 'lost-crash.log');
      expect(writeCounterexampleLog(cex, file)?.invariant).toBe('liveness');
      const report = recoverLog(file);
      expect(report.replay.status).toBe('identical');
      expect(report.status).toBe('reconciled');
      expect(report.live?.partitions.length).toBe(1);
      expect(report.audit?.clean).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the lifecycle-rules model with the first signal lost and a crash after every state finishes clean (recover judged on the lossy world)', async () => {
    const r = await runCheck({ model: loadCheckModel({ ...modelJson(1, 6), crash: true }), strategy: 'bfs' });
    expect(r.verdict).toBe('clean');
    expect(r.coverage.invariants.recovery ?? 0).toBeGreaterThan(0);
  });

  it('one signal lost: pause signals the VP thread again and succeeds; the run returns EINTR', () => {
    const w = sleepingWorld(1);
    const r = w.run(partition({ type: 'PAUSE' }));
    expect(r).toMatchObject({ violation: undefined, outcome: { status: 'done' } });
    expect(w.pendingRunKeys().size).toBe(0);
    expect([w.sim.signalsRaised, w.sim.signalsLost]).toEqual([2, 1]);
    expect(w.plane.takeSettled().map((s) => s.outcome)).toMatchObject([
      { status: 'failed', error: { errnoName: 'EINTR' } },
    ]);
  });

  it('every signal lost: pause gives up after KICK_RESIGNALS_MAX re-signals with EBUSY, and liveness reports the run left behind', () => {
    const w = sleepingWorld('all');
    const r = w.run(partition({ type: 'PAUSE' }));
    expect(r.outcome).toMatchObject({ status: 'failed', error: { errnoName: 'EBUSY' } });
    expect(r.outcome?.status === 'failed' ? r.outcome.error.message : '').toContain(
      `did not return from MSHV_RUN_VP after ${KICK_RESIGNALS_MAX + 1} signals`,
    );
    expect(w.sim.signalsLost).toBe(KICK_RESIGNALS_MAX + 1);
    expect(w.pendingRunKeys()).toEqual(new Set(['vm0/0']));
    expect(r.violation?.invariant).toBe('liveness');
  });

  it('the lifecycle-rules model with the first signal lost finishes clean, and pauses and closes a sleeping run', async () => {
    const r = await runCheck({ model: modelWith(1, 7), strategy: 'bfs' });
    expect(r.verdict).toBe('clean');
    expect(r.coverage.intents['partition PAUSE → done'] ?? 0).toBeGreaterThan(0);
    expect(r.coverage.intents['partition CLOSE → done'] ?? 0).toBeGreaterThan(0);
    expect(r.coverage.intents['vp RUN → pending'] ?? 0).toBeGreaterThan(0);
    // The fault is live on those paths: with every signal lost, the same model finds the stuck pause.
    const all = await runCheck({ model: modelWith('all', 7), strategy: 'bfs' });
    expect(all.verdict).toBe('violation');
    expect(all.counterexample?.invariant).toBe('liveness');
    expect(all.counterexample?.world.lostSignals).toBe(Number.POSITIVE_INFINITY);
    expect(all.reproduced).toBe(true);
    // Its log re-judges the violation from the header's world, which keeps lostSignals, and its
    // records replay byte for byte: the run meta says the world lost every signal, so the replay's
    // world loses them too (before, it delivered the first kick, which ended the run: a divergence).
    const cex = all.counterexample;
    if (cex === undefined) throw new Error('no counterexample');
    const dir = mkdtempSync(join(tmpdir(), 'mshv-lost-'));
    try {
      const file = join(dir, 'lost.log');
      expect(writeCounterexampleLog(cex, file)?.invariant).toBe('liveness');
      expect(openLog(file).header.meta.run).toMatchObject({ lostSignals: 'all', snapshotEvery: 0 });
      expect(replayLog(file)).toMatchObject({ status: 'identical', complete: true });
      expect(judgeCounterexampleLog(file)?.reproduction.verdict).toBe('reproduces');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
