import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonFiles } from './jsonFiles.js';
import { runCaptured } from './runCaptured.js';

const cli = (...argv: string[]): ReturnType<typeof runCaptured> => runCaptured([...argv]);

const { dir, file } = jsonFiles('mshv-scenario-cli-');

const vm0 = [
  { op: 'createPartition', partition: 'vm0' },
  { op: 'initializePartition', partition: 'vm0' },
  { op: 'createVp', partition: 'vm0', vpIndex: 0 },
];

describe('trace and run of a runVp that would sleep forever (review finding 1)', () => {
  const runEmpty = file('runEmpty.json', {
    format: 1,
    name: 't',
    seed: 1,
    steps: [...vm0, { op: 'runVp', partition: 'vm0', vpIndex: 0 }],
  });

  it('trace exits 1 naming the step, after printing every record of steps 0 to 2', async () => {
    const r = await cli('trace', runEmpty);
    expect(r.code).toBe(1);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(
      /^step 3 \(runVp vm0\) expected ok but was not run: MSHV_RUN_VP on VP 0 would sleep forever/,
    );
    const records = r.out.map((l) => JSON.parse(l) as { seq: number; kind: string; name: string });
    expect(records.map((x) => x.seq)).toEqual(records.map((_, i) => i + 1));
    expect(records.filter((x) => x.kind === 'ioctl').map((x) => x.name)).toEqual([
      'MSHV_CREATE_PARTITION',
      'MSHV_INITIALIZE_PARTITION',
      'MSHV_CREATE_VP',
    ]);
    expect(records.at(-1)).toMatchObject({ kind: 'hypercall' });
  });

  it('run exits 1 with the step marked FAIL, no stack', async () => {
    const r = await cli('run', runEmpty);
    expect(r.code).toBe(1);
    expect(r.out).toContainEqual(
      expect.stringMatching(/^FAIL step 3 runVp vm0: expect ok, got refused \(no exits\)$/),
    );
    expect(r.err.join('\n')).not.toMatch(/\bat \w+ \(/);
  });
});

describe("a logged run with partition 'a' and 'a/b' (review finding 2)", () => {
  it('exits 0 and replays identical', async () => {
    const scenario = file('slash3.json', {
      format: 1,
      name: 't',
      seed: 1,
      steps: [
        { op: 'createPartition', partition: 'a' },
        { op: 'initializePartition', partition: 'a' },
        { op: 'createPartition', partition: 'a/b' },
        { op: 'initializePartition', partition: 'a/b' },
        { op: 'createVp', partition: 'a/b', vpIndex: 0 },
        { op: 'closePartition', partition: 'a' },
        { op: 'closePartition', partition: 'a/b' },
      ],
    });
    const log = join(dir, 'slash3.log');
    const r = await cli('run', scenario, '--log', log, '--snapshot-every', '8');
    expect(r.code, r.err.join('\n')).toBe(0);
    const replay = await cli('replay', log);
    expect(replay.code, replay.out.concat(replay.err).join('\n')).toBe(0);
    expect(replay.out[0]).toMatch(/^replay: identical: /);
  });
});

describe('check given a scenario (review finding 9)', () => {
  it('says plainly that check takes a check model, exit 2', async () => {
    const r = await cli('check', 'docs/scenarios/boot-4k.json');
    expect(r.code).toBe(2);
    expect(r.err).toEqual([
      `mshv-control check: docs/scenarios/boot-4k.json: this is a scenario (it has "steps"); check takes a check model (docs/guide/check.md), with "intents" instead of steps. Run a scenario with 'mshv-control run docs/scenarios/boot-4k.json' or 'mshv-control trace docs/scenarios/boot-4k.json'.`,
    ]);
  });
});
