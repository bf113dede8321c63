/**
 * `run` and `trace` on scenarios the loader accepts whose planned hypervisor answers the driver
 * model cannot get past (CLI review finding 1): exit 1 with the failed step named in one line, the
 * report and the trace of what ran still printed, no stack trace; a logged run replays identical.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonFiles } from './jsonFiles.js';
import { runCaptured } from './runCaptured.js';

const { dir, file } = jsonFiles('mshv-cli-aborted-');

const setProperty = (input: string): object => ({
  op: 'rootHvcall',
  partition: 'vm0',
  code: 'SET_PARTITION_PROPERTY',
  input,
});

/** The review's three files: late.json, hang.json and fs.json (boot-4k with a SUCCESS fault). */
const late = file('late.json', {
  format: 1,
  name: 'late',
  seed: 1,
  hypervisor: {
    faults: [
      { call: 'SET_PARTITION_PROPERTY', nth: 1, status: 'CALL_PENDING', completionDelayNs: 100000000 },
    ],
  },
  steps: [
    { op: 'createPartition', partition: 'vm0', flags: ['LAPIC'] },
    setProperty('0000000000000000 01000100 00000000 0100000000000000'),
  ],
});
const hang = file('hang.json', {
  format: 1,
  name: 'hang',
  seed: 1,
  hypervisor: { faults: [{ call: 'SET_PARTITION_PROPERTY', nth: 1, status: 'CALL_PENDING' }] },
  steps: [
    { op: 'createPartition', partition: 'vm0', flags: ['LAPIC'] },
    { op: 'initializePartition', partition: 'vm0' },
    setProperty('0000000000000000 00000100 00000000 0000000000000000'),
  ],
});
const boot = JSON.parse(readFileSync('docs/scenarios/boot-4k.json', 'utf8')) as {
  hypervisor: Record<string, unknown>;
};
const fs = file('fs.json', {
  ...boot,
  hypervisor: { ...boot.hypervisor, faults: [{ call: 'MAP_GPA_PAGES', nth: 1, status: 'SUCCESS' }] },
});

const CASES: [string, string, RegExp][] = [
  [
    'late.json',
    late,
    /^step 1 \(rootHvcall vm0\) expected ok but never returned: SET_PARTITION_PROPERTY call 1 completes 100000000 ns late/,
  ],
  [
    'hang.json',
    hang,
    /^step 2 \(rootHvcall vm0\) expected ok but never returned: SET_PARTITION_PROPERTY call 1 answered CALL_PENDING/,
  ],
  [
    'fs.json',
    fs,
    /^step 2 \(setGuestMemory vm0\) expected ok but never returned: MAP_GPA_PAGES call 1 answered SUCCESS without running/,
  ],
];

describe('run and trace end a step the driver model cannot finish as a failed step (finding 1)', () => {
  it.each(CASES)(
    'run %s: exit 1, the step named in one line, the report printed',
    async (_, path, message) => {
      const r = await runCaptured(['run', path]);
      expect(r.code).toBe(1);
      expect(r.err).toHaveLength(1);
      expect(r.err[0]).toMatch(message);
      expect(r.out).toContainEqual(
        expect.stringMatching(/^FAIL step \d+ \w+ vm0: expect ok, got aborted \(/),
      );
      expect(r.out.at(-1)).toBe('audit: conserved');
    },
  );

  it.each(CASES)(
    'trace %s: exit 1, every record up to the aborted ioctl and its calls',
    async (_, path, message) => {
      const r = await runCaptured(['trace', path]);
      expect(r.code).toBe(1);
      expect(r.err).toHaveLength(1);
      expect(r.err[0]).toMatch(message);
      const records = r.out.map((l) => JSON.parse(l) as Record<string, unknown>);
      const last = records.findLastIndex((x) => x.kind === 'ioctl');
      expect(records[last]).toMatchObject({ result: 'none' });
      expect(r.err[0]).toContain(String(records[last]?.aborted));
      expect(records.at(-1)).toMatchObject({ kind: 'hypercall' });
    },
  );

  it.each(CASES)('run %s --log: the log replays identical', async (name, path) => {
    const log = join(dir, `${name}.log`);
    expect((await runCaptured(['run', path, '--log', log])).code).toBe(1);
    const r = await runCaptured(['replay', log]);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/^replay: identical: seq 1\.\.\d+ reproduced/);
  });
});
