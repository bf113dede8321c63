import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { SimulatedMachine } from '../../adapters/simulated/SimulatedMachine.js';
import { canonicalJson } from '../../src/log/canonicalJson.js';
import { CountingRecorder } from '../../src/pipeline/HypercallRecorder.js';
import { restoreRun, snapshotRun } from '../../src/runner/runSnapshot.js';
import { ScenarioRunner } from '../../src/runner/ScenarioRunner.js';
import { SimWorld } from '../../src/runner/SimWorld.js';
import { readScenarioFile } from '../../src/scenario/readScenarioFile.js';
import type { Scenario, Step } from '../../src/scenario/Scenario.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

let scenario: Scenario;
let runner: ScenarioRunner;
let world: SimWorld;
/** A world with a mapped region, a VP with a pending guest script, MSI routes, irqfds and doorbells. */
let good: Json;

beforeAll(async () => {
  const irq = await readScenarioFile('docs/scenarios/irqfd-ioeventfd-msi.json');
  const map: Step = {
    op: 'setGuestMemory',
    partition: 'vm0',
    expect: 'ok',
    guestPfn: 0n,
    size: 4n << 20n,
    userAddr: 0x7f00_0000_0000n,
    flags: 1,
    rsvd: [0, 0, 0, 0, 0, 0, 0],
  };
  scenario = {
    ...irq,
    hostMemory: [{ kind: 'ram', userAddr: 0x7f00_0000_0000n, size: 4n << 20n, pageSize: 4096 }],
    steps: [...irq.steps.slice(0, 3), map, ...irq.steps.slice(3, 22)],
  };
  world = new SimWorld(scenario, new CountingRecorder());
  runner = new ScenarioRunner(scenario, world);
  expect(runner.runToEnd().failed).toBeUndefined();
  const ptFd = 3;
  world.setGuestScript(ptFd, 0, [{ exit: 'CPUID', leaf: 1, subleaf: 0 }, { exit: 'HALT' }]);
  good = JSON.parse(JSON.stringify(world.snapshot())) as Json;
});

/** A deep copy of the good snapshot with `change` applied at `path` (`$.a.b[2]`). */
function edited(path: string, change: (value: Json) => Json | undefined): Json {
  const copy = structuredClone(good);
  const keys = [...path.slice(1).matchAll(/\.([A-Za-z_$][\w$]*)|\[(\d+)\]/g)].map(
    (m) => m[1] ?? Number(m[2]),
  );
  let parent: Json = copy;
  for (const k of keys.slice(0, -1)) parent = (parent as Record<string | number, Json>)[k]!;
  const last = keys.at(-1)!;
  const holder = parent as Record<string | number, Json>;
  const next = change(holder[last] ?? null);
  if (next === undefined) Reflect.deleteProperty(holder, last);
  else holder[last] = next;
  return copy;
}

function refusal(json: Json): { path: string; rule: string } {
  const r = SimWorld.fromSnapshot(json, new CountingRecorder());
  if (r.ok) throw new Error('the corrupt snapshot was accepted');
  expect(r.error.message.startsWith(`${r.error.path}: `)).toBe(true);
  return { path: r.error.path, rule: r.error.rule };
}

const cases: readonly [string, (v: Json) => Json | undefined, string, string][] = [
  ['$.format', () => 'mshv-control-machine', '$.format', 'format'],
  ['$.version', () => 2, '$.version', 'version'],
  ['$.machine.version', () => 0, '$.machine.version', 'version'],
  ['$.machine.hv.v', () => 2, '$.machine.hv.v', 'version'],
  ['$.driver.device.partitions[0].v', () => 9, '$.driver.device.partitions[0].v', 'version'],
  ['$.machine.clockNs', () => undefined, '$.machine.clockNs', 'required'],
  ['$.machine.clockNs', () => 5, '$.machine.clockNs', 'type'],
  ['$.machine.clockNs', () => '0x12', '$.machine.clockNs', 'hex'],
  ['$.machine.hv.partitions[1].bogus', () => 1, '$.machine.hv.partitions[1].bogus', 'unknown-field'],
  ['$.machine.knobs[0]', () => 'seed 18', '$.machine.knobs[0]', 'knobs'],
  ['$.machine.config.cpuCount', () => 2000, '$.machine.config.cpuCount', 'range'],
  ['$.machine.ram.owners.runs[1]', () => 0, '$.machine.ram.owners.runs[1]', 'range'],
  ['$.machine.ram.owners.runs[3]', () => -1, '$.machine.ram.owners.runs[3]', 'range'],
  ['$.machine.hv.partitions[1].pool.freePages', (v) => (v as number) + 1, '$.machine', 'consistency'],
  ['$.machine.hv.partitions[1].vps[0].cpu', () => 1000, '$.machine.hv.partitions[1].vps[0].cpu', 'range'],
  [
    '$.machine.hv.partitions[1].vps[0].script[0].exit',
    () => 'REBOOT',
    '$.machine.hv.partitions[1].vps[0].script[0].exit',
    'unknown-name',
  ],
  ['$.machine.cpuPages', (v) => (v as Json[]).slice(1), '$.machine.cpuPages', 'range'],
  ['$.machine.user.rng.words', () => [0, 0, 0, 0], '$.machine.user.rng.words', 'range'],
  ['$.machine.hv.partitions', (v) => (v as Json[]).slice(1), '$.machine.hv.partitions[0].key', 'order'],
  ['$.driver.device.fds[0][2]', () => 99, '$.driver.device.fds[0][2]', 'reference'],
  [
    '$.driver.device.partitions[0].refs',
    (v) => (v as number) + 1,
    '$.driver.device.partitions',
    'consistency',
  ],
  ['$.driver.portIds.owners[0][1]', () => 77, '$.driver.portIds.owners[0][1]', 'reference'],
  ['$.driver.device.fds', (v) => [...(v as Json[])].reverse(), '$.driver.device.fds[1][0]', 'order'],
  ['$.signals', () => [['0x1', 0]], '$.signals[0][0]', 'hex'],
  ['$.machine.config.hostMemory[0].size', () => '4097', '$.machine.config.hostMemory[0].size', 'alignment'],
  // The driver's objects name each other and the machine's; a hand-edited reference restored
  // silently before and diverged later (another partition's CREATE_PORT input, a later snapshot).
  [
    '$.driver.device.partitions[0].irqfds[0][0]',
    () => 99,
    '$.driver.device.partitions[0].irqfds[0][0]',
    'reference',
  ],
  [
    '$.driver.device.partitions[0].ioeventfds[0].portId',
    () => 77,
    '$.driver.device.partitions[0].ioeventfds[0].portId',
    'reference',
  ],
  [
    '$.driver.device.partitions[0].id',
    () => '0x0000000000000077',
    '$.driver.device.partitions[0].id',
    'reference',
  ],
  [
    '$.signals',
    () => [
      ['0x0000000000000002', 0],
      ['0x0000000000000001', 0],
    ],
    '$.signals[1]',
    'order',
  ],
];

describe('restore refuses a corrupt snapshot, naming the JSON path and the rule (design principle 5)', () => {
  it('accepts the unmodified snapshot, and a frozen one (restore never writes its input)', () => {
    const frozen = structuredClone(good);
    const freeze = (v: Json): void => {
      if (typeof v === 'object' && v !== null) {
        Object.freeze(v);
        for (const x of Object.values(v)) freeze(x);
      }
    };
    freeze(frozen);
    const r = SimWorld.fromSnapshot(frozen, new CountingRecorder());
    if (!r.ok) throw r.error;
    expect(canonicalJson(r.value.snapshot())).toBe(canonicalJson(good));
  });

  it.each(cases)('%s', (at, change, path, rule) => {
    expect(refusal(edited(at, change))).toEqual({ path, rule });
  });

  it('a standalone machine snapshot is checked the same way, from its own root', () => {
    const machine = (good as { machine: Json }).machine;
    const r = SimulatedMachine.fromSnapshot({ ...(machine as object), version: 7 });
    expect(r.ok ? undefined : { path: r.error.path, rule: r.error.rule }).toEqual({
      path: '$.version',
      rule: 'version',
    });
  });

  it('a run snapshot names its scenario, and a world error carries the path inside it', () => {
    const json = JSON.parse(JSON.stringify(snapshotRun(runner, world))) as Json;
    const other = restoreRun({ ...scenario, name: 'another' }, json);
    expect(other.ok ? undefined : { path: other.error.path, rule: other.error.rule }).toEqual({
      path: '$.scenario',
      rule: 'reference',
    });
    const run = json as { world: { version: number } };
    run.world.version = 3;
    const bad = restoreRun(scenario, run);
    expect(bad.ok ? undefined : { path: bad.error.path, rule: bad.error.rule }).toEqual({
      path: '$.world.version',
      rule: 'version',
    });
  });

  it('any single corrupted value gives a restored world or a SnapshotError, never a crash', () => {
    const leaves: string[] = [];
    const walk = (v: Json, path: string): void => {
      if (Array.isArray(v))
        v.forEach((x, i) => {
          walk(x, `${path}[${i}]`);
        });
      else if (typeof v === 'object' && v !== null)
        for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
      else leaves.push(path);
    };
    walk(good, '$');
    // Half the edits keep the leaf's type (another number, another hex string, the other boolean), so
    // they pass the type checks and reach the range and consistency checks, or restore a world.
    const sameType = fc.record({
      n: fc.integer(),
      small: fc.nat(64),
      big: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    });
    let restored = 0;
    fc.assert(
      fc.property(fc.nat(leaves.length - 1), fc.jsonValue(), fc.boolean(), sameType, (i, value, keep, t) => {
        const json = edited(leaves[i]!, (old) => {
          if (!keep) return value as Json;
          if (typeof old === 'boolean') return !old;
          if (typeof old === 'number') return t.n % 2 === 0 ? t.small : t.n;
          if (typeof old === 'string' && old.startsWith('0x')) return `0x${t.big.toString(16)}`;
          return value as Json;
        });
        const r = SimWorld.fromSnapshot(json, new CountingRecorder());
        if (!r.ok) {
          expect(r.error.path.startsWith('$')).toBe(true);
          return;
        }
        // A restored world is whole: it snapshots again and every page is accounted for.
        restored++;
        expect(() => r.value.snapshot()).not.toThrow();
        expect(r.value.machine.audit().violations).toEqual([]);
      }),
      { numRuns: 300 },
    );
    // Some edits restore (an unchanged value, a free field), so the second branch runs.
    expect(restored).toBeGreaterThan(0);
  });
});
