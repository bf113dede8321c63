import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CheckModel } from '../../src/check/CheckModel.js';
import { DEFAULT_MODEL_JSON } from '../../src/check/defaultModel.js';
import { enabledIntents } from '../../src/check/enabledIntents.js';
import { Explorer, type PathNode, ROOT } from '../../src/check/Explorer.js';
import { loadCheckModel } from '../../src/check/loadCheckModel.js';
import { runCheck } from '../../src/check/runCheck.js';
import { describeStep, type Step } from '../../src/check/Step.js';
import { lostLateJson } from './lostLateModel.js';

/** The path taking, at each step, the first enabled intent whose description starts with the text. */
function pathOf(ex: Explorer, texts: readonly string[]): Step[] {
  const path: Step[] = [];
  for (const text of texts) {
    const offered = enabledIntents(ex.model, ex.replay(path));
    const step = offered.find((s) => describeStep(s).startsWith(text));
    if (step === undefined) throw new Error(`${text}: not among ${offered.map(describeStep).join(' | ')}`);
    path.push(step);
  }
  return path;
}

const digestAfter = (ex: Explorer, texts: readonly string[]): string =>
  ex.digestOf(ex.replay(pathOf(ex, texts)));

/** The default model's alphabet without faults or crashes, `steps` deep. */
function plain(steps: number): CheckModel {
  return loadCheckModel({
    ...DEFAULT_MODEL_JSON,
    bounds: { ...DEFAULT_MODEL_JSON.bounds, steps },
    faults: [],
    crash: false,
  });
}

const isHalt = (s: Step): boolean => s.kind === 'intent' && describeStep(s).includes('"exit":"HALT"');
const isRun = (s: Step | undefined): boolean => s?.kind === 'intent' && describeStep(s).endsWith(' RUN');

describe('the state digest holds queued guest exits by content (review finding 1)', () => {
  const created = ['createPartition', 'vm0 INITIALIZE', 'vm0 CREATE_VP {"vp":0}'];

  it('an IO_PORT and a HALT exit queued on the same VP are two states', () => {
    const ex = new Explorer(plain(8));
    expect(digestAfter(ex, [...created, 'vm0/vp0 guest [{"exit":"HALT"'])).not.toBe(
      digestAfter(ex, [...created, 'vm0/vp0 guest [{"port"']),
    );
  });

  it('BFS keeps a state with a HALT exit queued, and judges a RUN that takes it', () => {
    // BFS by hand, as runCheck does it in one thread: every expansion's children are visible.
    const ex = new Explorer(plain(7));
    const seen = new Set([ex.digestOf(ex.world())]);
    let frontier: PathNode[] = [ROOT];
    let keptWithHalt = 0;
    let runsOfQueuedHalt = 0;
    while (frontier.length > 0) {
      const next: PathNode[] = [];
      for (const node of frontier) {
        const e = ex.expand(node);
        expect(e.violation).toBeUndefined();
        for (const c of e.children) {
          const haltAt = c.path.findIndex(isHalt);
          // The first RUN after the HALT exit was queued: the one that takes it.
          if (haltAt >= 0 && isRun(c.path.at(-1)) && !c.path.slice(haltAt, -1).some(isRun))
            runsOfQueuedHalt += 1;
          if (seen.has(c.digest)) continue;
          seen.add(c.digest);
          if (c.path.some(isHalt)) keptWithHalt += 1;
          next.push(c);
        }
      }
      frontier = next;
    }
    expect(keptWithHalt).toBeGreaterThan(0);
    expect(runsOfQueuedHalt).toBeGreaterThan(0);
  });
});

/** The default model with a fixed world fault: the third SET_PARTITION_PROPERTY never completes. */
const lostLate = loadCheckModel(lostLateJson(3));

describe('the state digest holds how far each fixed world fault is from firing (review finding 3)', () => {
  it('one more call of the faulted hypercall is another state', () => {
    const ex = new Explorer(lostLate);
    const set = 'vm0 SET_PROPERTY';
    expect(digestAfter(ex, ['createPartition', set])).not.toBe(
      digestAfter(ex, ['createPartition', set, set]),
    );
  });

  it('BFS finds the shortest counterexample: three SET_PROPERTY after the create, 4 steps', async () => {
    const r = await runCheck({ model: lostLate, strategy: 'bfs' });
    expect(r.verdict).toBe('violation');
    expect(r.found?.violation.invariant).toBe('liveness');
    expect(r.found?.path.map(describeStep).map((s) => s.split(' ').slice(0, 2).join(' '))).toEqual([
      'createPartition vm0',
      'vm0 SET_PROPERTY',
      'vm0 SET_PROPERTY',
      'vm0 SET_PROPERTY',
    ]);
  });
});

describe('VP symmetry keeps the VP index where an MSI route or irqfd can name it (review finding 4)', () => {
  const rootScheduler = loadCheckModel(JSON.parse(readFileSync('docs/check/root-scheduler.json', 'utf8')));
  const routed = (vp: number): string[] => [
    'createPartition',
    'vm0 INITIALIZE',
    `vm0 CREATE_VP {"vp":${vp}}`,
    'vm0 SET_MSI_ROUTING',
    'vm0 IRQFD',
    'vm0 START',
  ];

  it('VP 0 and VP 1 under a route to APIC id 0 are two states (an irqfd signal reaches one only)', () => {
    expect(rootScheduler.symmetry.vps).toBe(true);
    const ex = new Explorer(rootScheduler);
    expect(digestAfter(ex, routed(0))).not.toBe(digestAfter(ex, routed(1)));
    // What the digest tells apart is real: the irqfd's signal takes a different path on each.
    const signalled = (vp: number): number => {
      const w = ex.replay(pathOf(ex, routed(vp)));
      const write = enabledIntents(rootScheduler, w).find((s) => describeStep(s).startsWith('eventfd'));
      if (write === undefined) throw new Error('no irqfd write offered');
      ex.judge(w, write);
      return w.scratch.calls.get('ASSERT_VIRTUAL_INTERRUPT') ?? 0;
    };
    expect(signalled(0)).not.toBe(signalled(1));
  });

  it('without a route or irqfd, VPs are still folded: VP 0 alone and VP 1 alone are one state', () => {
    const ex = new Explorer(rootScheduler);
    const bare = (vp: number): string[] => [
      'createPartition',
      'vm0 INITIALIZE',
      `vm0 CREATE_VP {"vp":${vp}}`,
    ];
    expect(digestAfter(ex, bare(0))).toBe(digestAfter(ex, bare(1)));
  });
});

describe('the state digest holds a movable region’s present pages (docs/check/movable-regions.json)', () => {
  it('two worlds that differ only in which pages of a region the driver holds present are two states', () => {
    const model = loadCheckModel(JSON.parse(readFileSync('docs/check/movable-regions.json', 'utf8')));
    const ex = new Explorer({ ...model, faults: [], crash: false });
    const path = pathOf(ex, [
      'createPartition',
      'vm0 INITIALIZE',
      'vm0 CREATE_VP {"vp":0}',
      'vm0 MAP_MEMORY {"region":"ram2m"',
      'vm0 START',
      'vm0/vp0 READY',
      'vm0/vp0 guest [{"gpa":"0x201000"',
      'vm0/vp0 RUN',
    ]);
    const world = ex.replay(path);
    const before = ex.digestOf(world);
    const region = world.kernelPartition('vm0')?.regions[0];
    const chunk = region?.faulted?.get(512);
    if (region?.faulted === undefined || chunk === undefined) throw new Error('no chunk faulted in at 512');
    // The hypervisor is left as it is: only what the driver believes present changes.
    region.faulted.set(512, { ...chunk, pages: 256 });
    expect(ex.digestOf(world)).not.toBe(before);
  });
});

describe('the state digest holds a migration armed to race the next fault-in (docs/check/movable-fault-in-race.json)', () => {
  it('the same world with and without the armed migration are two states', () => {
    const model = loadCheckModel(JSON.parse(readFileSync('docs/check/movable-fault-in-race.json', 'utf8')));
    const ex = new Explorer({ ...model, crash: false });
    const prefix = ['createPartition', 'vm0 INITIALIZE', 'vm0 CREATE_VP {"vp":0}', 'vm0 MAP_MEMORY'];
    const plainWorld = digestAfter(ex, prefix);
    const armed = [...prefix, 'host migrates 0x8000 bytes at 0x7f0100000000 during the next fault-in'];
    expect(digestAfter(ex, armed)).not.toBe(plainWorld);
    const world = ex.replay(pathOf(ex, armed));
    expect(world.sim.machine.migrationRace).toEqual({ userAddr: 0x7f01_0000_0000n, pages: 8 });
  });
});
