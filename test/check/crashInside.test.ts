import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckWorld } from '../../src/check/CheckWorld.js';
import {
  type Counterexample,
  counterexampleFromJson,
  counterexampleJson,
  replaySteps,
  reproduce,
} from '../../src/check/Counterexample.js';
import { defaultModel } from '../../src/check/defaultModel.js';
import { loadCheckModel } from '../../src/check/loadCheckModel.js';
import { runCheck } from '../../src/check/runCheck.js';
import type { Step } from '../../src/check/Step.js';
import { writeCounterexampleLog } from '../../src/check/writeCounterexampleLog.js';
import { openLog } from '../../src/log/LogReader.js';
import { recoverLog } from '../../src/replay/recoverRecords.js';
import { replayLog } from '../../src/replay/replayLog.js';
import type { Intent } from '../../src/runtime/applyIntent.js';
import { MemorySink } from '../../src/runtime/RecordSink.js';
import { PLANTED } from './plantedVariants.js';

const model = defaultModel();
/** The crash steps a run's coverage counted, by what they were (`crash`, `crash inside partition PAUSE`). */
const crashKinds = (intents: Readonly<Record<string, number>>): string[] =>
  Object.keys(intents)
    .filter((k) => k.startsWith('crash'))
    .map((k) => k.replace(/ → .*$/, ''));
const intent = (name: string, args: unknown): Intent => ({ name, args: args as never });
const step = (i: Intent): Step => ({ kind: 'intent', ...i });
const partition = (request: object): Intent => intent('partition', { key: 'vm0', request });
const BOOT: Intent[] = [
  intent('createPartition', { key: 'vm0', args: { ptFlags: '0x7', ptIsolation: '0x0' } }),
  partition({ type: 'INITIALIZE' }),
  partition({ type: 'CREATE_VP', vp: 0 }),
  intent('vp', { key: 'vm0', vp: 0, request: { type: 'READY' } }),
];
const START = partition({ type: 'START' });
const PAUSE = partition({ type: 'PAUSE' });

/** A counterexample whose VMM dies inside PAUSE, after its second operation. */
const DIES_IN_PAUSE: Counterexample = {
  invariant: 'recovery',
  message: 'example',
  variant: null,
  model: model.name,
  world: model.world,
  randomFaults: null,
  intents: [...BOOT, START, PAUSE],
  crash: true,
  crashAfterOperations: 2,
  steps: [],
  trace: [],
};

/** A world that ran `intents`, observed. */
function after(intents: readonly Intent[]): CheckWorld {
  const w = new CheckWorld({ world: model.world });
  w.observing = true;
  for (const i of intents) expect(w.run(step(i)).violation).toBeUndefined();
  return w;
}

/** How many operations `last` completes after `before`. */
function operationsOf(before: readonly Intent[], last: Intent): number {
  return after(before).run(step(last)).operations;
}

describe('a crash inside an intent (issue 6: crash points; the kernel finished the operation, the log never got its result)', () => {
  it('PAUSE completes several operations; dying after each, recover rebuilds the committed state and nothing is left', () => {
    const booted = [...BOOT, START];
    const n = operationsOf(booted, PAUSE);
    expect(n).toBeGreaterThanOrEqual(2);
    for (let k = 1; k <= n; k++) {
      const w = after(booted);
      const r = w.run({ kind: 'crash', inside: { intent: PAUSE, afterOperations: k } });
      expect(r.violation, `after operation ${k}`).toBeUndefined();
      expect(w.crashed).toBe(true);
      expect(w.recovery?.held).toBeNull();
      expect(w.recovery?.report.status).toBe('reconciled');
      expect(w.recovery?.report.audit?.clean).toBe(true);
      // The kernel closed every fd: the driver holds no partition.
      expect(w.sim.device.partitions()).toEqual([]);
    }
  });

  it('dying after the first operation leaves the log where it was before the intent; later, inside it', () => {
    const booted = [...BOOT, START];
    const first = after(booted);
    first.run({ kind: 'crash', inside: { intent: PAUSE, afterOperations: 1 } });
    const second = after(booted);
    second.run({ kind: 'crash', inside: { intent: PAUSE, afterOperations: 2 } });
    const seq = (w: CheckWorld): number => {
      const v = w.recovery?.report.replay;
      return v?.status === 'identical' ? v.lastSeq : -1;
    };
    expect(seq(first)).toBeGreaterThan(0);
    // The second log holds PAUSE's intent, its first operation and its committed result.
    expect(seq(second)).toBeGreaterThan(seq(first) + 2);
  });

  it('a step that completes fewer operations than asked is an error of the explorer, not a crash', () => {
    const w = after([...BOOT, START]);
    const r = w.run({ kind: 'crash', inside: { intent: PAUSE, afterOperations: 99 } });
    expect(String(r.error)).toMatch(
      /crash inside partition: it completed after \d+ operations, before operation 99/,
    );
  });

  it.each(['bfs', 'dfs'] as const)(
    '%s with crashInside judges a crash after every operation of every intent that changed the world',
    async (strategy) => {
      const small = { ...model, bounds: { ...model.bounds, steps: 4 } };
      const between = await runCheck({ model: small, strategy });
      const inside = await runCheck({ model: { ...small, crashInside: true }, strategy });
      expect(inside.verdict).toBe('clean');
      expect(inside.states).toBe(between.states);
      expect(inside.transitions).toBeGreaterThan(between.transitions);
      expect(inside.coverage.invariants.recovery ?? 0).toBeGreaterThan(
        between.coverage.invariants.recovery ?? 0,
      );
    },
  );

  it('random walks put half their crashes inside the next intent that completes an operation; deterministic per seed', async () => {
    const walks = { ...model, random: { ...model.random, walks: 120 } };
    const between = await runCheck({ model: walks, strategy: 'random', seed: 5 });
    expect(crashKinds(between.coverage.intents)).toEqual(['crash']);
    const inside = await runCheck({ model: { ...walks, crashInside: true }, strategy: 'random', seed: 5 });
    expect(inside.verdict).toBe('clean');
    const kinds = crashKinds(inside.coverage.intents);
    expect(kinds).toContain('crash');
    // Inside requests of several kinds, and inside createPartition, whose world had nothing to crash.
    expect(kinds).toContain('crash inside createPartition');
    expect(kinds.filter((k) => k.startsWith('crash inside partition ')).length).toBeGreaterThanOrEqual(3);
    expect(inside.coverage.invariants.recovery ?? 0).toBeGreaterThan(0);
    const again = await runCheck({ model: { ...walks, crashInside: true }, strategy: 'random', seed: 5 });
    expect(again).toEqual(inside);
  });

  it('a random walk finds a leak that shows dying inside CREATE_VP, and its counterexample ends there and reproduces', async () => {
    const variant = PLANTED.find((v) => v.name === 'leakedVpStatePage');
    if (variant === undefined) throw new Error('no leakedVpStatePage variant');
    const walks = { ...model, crashInside: true, random: { ...model.random, walks: 300 } };
    const r = await runCheck({ model: walks, strategy: 'random', seed: 4, variant });
    expect(r.verdict).toBe('violation');
    expect(r.reproduced).toBe(true);
    const cex = r.counterexample;
    expect(cex?.invariant).toBe('vpPagesReleased');
    expect(cex?.crashAfterOperations).toBe(1);
    expect(cex?.intents.at(-1)).toEqual(partition({ type: 'CREATE_VP', vp: 0 }));
    const last = cex?.steps.at(-1);
    expect(last?.kind === 'crash' ? last.inside?.intent : undefined).toEqual(
      partition({ type: 'CREATE_VP', vp: 0 }),
    );
  });

  it('a model asks for it with "crashInside": true, which needs "crash"', () => {
    const json = JSON.parse(
      JSON.stringify({ format: 1, name: 'x', world: { seed: 1 }, intents: [] }),
    ) as Record<string, unknown>;
    expect(loadCheckModel({ ...json, crash: true, crashInside: true }).crashInside).toBe(true);
    expect(() => loadCheckModel({ ...json, crashInside: true })).toThrow(
      /\$\.crashInside: .*need "crash": true/,
    );
  });

  it('a counterexample that dies inside its last intent round-trips through its file and re-runs that way', () => {
    const inside: Step = { kind: 'crash', inside: { intent: PAUSE, afterOperations: 2 } };
    const cex = { ...DIES_IN_PAUSE, steps: [...BOOT.map(step), step(START), inside] };
    const back = counterexampleFromJson(JSON.parse(JSON.stringify(counterexampleJson(cex))));
    expect(back.crashAfterOperations).toBe(2);
    expect(replaySteps(back).at(-1)).toEqual(inside);
    expect(replaySteps(back)).toHaveLength(BOOT.length + 2);
    expect(reproduce(back)).toBeUndefined(); // the shipped stack recovers: nothing to reproduce
    expect(() => counterexampleFromJson({ ...counterexampleJson(cex), crashAfterOperations: 0 })).toThrow(
      /\$\.crashAfterOperations/,
    );
    expect(() => counterexampleFromJson({ ...counterexampleJson(cex), crash: false })).toThrow(
      /needs "crash": true/,
    );
  });
});

describe('the log of a counterexample that dies inside an intent', () => {
  it('holds that intent up to its last commit: what it appended after it is lost', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mshv-inside-'));
    try {
      const file = join(dir, 'cex.log');
      expect(writeCounterexampleLog(DIES_IN_PAUSE, file)).toBeUndefined();
      const log = openLog(file);
      const records = [...log.records()].map((r) => r.record);
      log.close();
      const pause = records.findIndex((r) => r.kind === 'intent' && JSON.stringify(r.args).includes('PAUSE'));
      expect(pause).toBeGreaterThan(0);
      // After PAUSE's intent: its first operation with its result (committed), and nothing of the second.
      const tail = records.slice(pause + 1);
      expect(tail.filter((r) => r.kind === 'result')).toHaveLength(1);
      expect(records.at(-1)?.kind).toBe('result');
      // The dead process never closed it: replay stops at its last commit, recover leaves nothing.
      expect(replayLog(file)).toMatchObject({ status: 'identical', complete: false });
      expect(recoverLog(file)).toMatchObject({ status: 'reconciled', audit: { clean: true } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a crash judged on a world that logged its path (what the explorer does)', () => {
  it('recovers from that log exactly as from a re-run of the path on a logging world', () => {
    const booted = [...BOOT, START];
    const inside: Step = {
      kind: 'crash',
      inside: { intent: { name: PAUSE.name, args: PAUSE.args }, afterOperations: 2 },
    };
    for (const crash of [{ kind: 'crash' } as Step, inside]) {
      const plain = after(booted);
      const logged = new CheckWorld({ world: model.world, log: new MemorySink() });
      logged.observing = true;
      for (const i of booted) expect(logged.run(step(i)).violation).toBeUndefined();
      expect(logged.run(crash)).toEqual(plain.run(crash));
      expect(logged.recovery).toEqual(plain.recovery);
      expect(plain.recovery?.report.status).toBe('reconciled');
    }
  });
});
