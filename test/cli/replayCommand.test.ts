import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/Command.js';
import { runCli } from '../../src/cli/runCli.js';
import { LogWriter } from '../../src/log/LogWriter.js';
import { sampleRecord } from '../log/sampleRecords.js';
import { fileHash, testHeader, useTempDir } from '../log/tempDir.js';

const tempDir = useTempDir();

async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), isTty: false };
  return { code: await runCli(argv, io), out, err };
}

/** `run SCENARIO --log` into a fresh directory; returns the log's path. */
async function logged(scenario: string, ...extra: string[]): Promise<{ dir: string; log: string }> {
  const dir = tempDir();
  const log = join(dir, 'run.log');
  const r = await cli('run', `docs/scenarios/${scenario}`, '--log', log, ...extra);
  expect(r.code, r.err.join('\n')).toBe(0);
  expect(r.out).toContainEqual(
    expect.stringMatching(new RegExp(`^log: ${log}: \\d+ records, (full|normal) durability, closed$`)),
  );
  return { dir, log };
}

/** Export → edit one line → import with --recompute-checksums; returns the new log and the edited seq. */
async function tampered(
  dir: string,
  log: string,
  pick: (line: string) => boolean,
  edit: (line: string) => string,
  nth = 0,
): Promise<{ log: string; seq: number; kind: string }> {
  const exported = await cli('log', 'export', log);
  expect(exported.code).toBe(0);
  const lines = [...exported.out];
  const index = lines.map((l, i) => (i > 0 && pick(l) ? i : -1)).filter((i) => i >= 0)[nth];
  if (index === undefined) throw new Error('no line to edit');
  const before = lines[index]!;
  lines[index] = edit(before);
  expect(lines[index]).not.toBe(before);
  const jsonl = join(dir, 'edited.jsonl');
  writeFileSync(jsonl, `${lines.join('\n')}\n`);
  const target = join(dir, 'edited.log');
  const imported = await cli('log', 'import', jsonl, target, '--recompute-checksums');
  expect(imported.code, imported.err.join('\n')).toBe(0);
  const { seq, kind } = JSON.parse(before) as { seq: number; kind: string };
  expect(imported.err[0]).toContain(`(seq ${seq}, ${kind}): edited`);
  return { log: target, seq, kind };
}

const STATUS = /"status":"0x[0-9a-f]{16}"/;

describe('mshv-control run --log, replay, recover', () => {
  it('run --log writes a log that replays identically, from the start and from its last snapshot', async () => {
    const { log } = await logged('vp-lifecycle.json', '--snapshot-every', '16', '--durability', 'normal');
    const r = await cli('replay', log);
    expect(r).toMatchObject({ code: 0, err: [] });
    expect(r.out[0]).toMatch(/^replay: identical: seq 1\.\.\d+ reproduced \(scenario log\)$/);
    const s = await cli('replay', log, '--from-snapshot');
    expect(s.code).toBe(0);
    expect(s.out[0]).toMatch(/restored from the snapshot at seq \d+\)$/);
    const info = await cli('log', 'info', log);
    expect(info.out).toContain(
      'integrity: ok (' +
        info.out.find((l) => l.startsWith('records:'))!.split(' ')[1]! +
        ' records, checksum chain verified)',
    );
  });

  it('changing ONE recorded hypercall status in an export and importing it makes replay fail naming that record', async () => {
    const { dir, log } = await logged('boot-4k.json');
    const t = await tampered(
      dir,
      log,
      (l) => l.includes('"kind":"hypercall"') && l.includes('"name":"MAP_GPA_PAGES"'),
      (l) => l.replace(STATUS, '"status":"0x0000000000000006"'),
      2,
    );
    const before = fileHash(t.log);
    const r = await cli('replay', t.log);
    expect(r.code).toBe(1);
    expect(r.err[0]).toBe(
      `replay: DIVERGED at seq ${t.seq} (hypercall): the simulated hypervisor answers MAP_GPA_PAGES with HV_STATUS_SUCCESS (reps completed 300); the log recorded HV_STATUS_ACCESS_DENIED (reps completed 0)`,
    );
    expect(r.err).toContainEqual(
      expect.stringMatching(
        /^ {4}status 0x0000000000000006: HV_STATUS_ACCESS_DENIED \(0x0006\), reps completed 0/,
      ),
    );
    expect(r.err).toContainEqual(
      expect.stringMatching(/^ {4}control 0x[0-9a-f]{16}: code 0x004b, rep count 509, rep start 0/),
    );
    expect(fileHash(t.log)).toBe(before);
    // Without the cross-check the recorded answer is used, and the record is still the one named.
    const loose = await cli('replay', t.log, '--no-cross-check');
    expect(loose.code).toBe(1);
    expect(loose.err[0]).toMatch(new RegExp(`^replay: DIVERGED at seq ${t.seq} \\(hypercall\\)`));
  });

  it('a fast call’s status edited: INITIALIZE_PARTITION is named at its own record', async () => {
    const { dir, log } = await logged('vp-state.json');
    const t = await tampered(
      dir,
      log,
      (l) => l.includes('"name":"INITIALIZE_PARTITION"'),
      (l) => l.replace(STATUS, '"status":"0x000000000000000b"'),
    );
    const r = await cli('replay', t.log);
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(
      new RegExp(
        `^replay: DIVERGED at seq ${t.seq} \\(hypercall\\): .*INITIALIZE_PARTITION with HV_STATUS_SUCCESS .*HV_STATUS_INSUFFICIENT_MEMORY`,
      ),
    );
  });

  it('an edited input byte is located in the call’s layout (request checked byte for byte)', async () => {
    const { dir, log } = await logged('boot-4k.json');
    // The third PFN of the first MAP_GPA_PAGES list: input bytes [40, 48) = sourcePfn[2].
    const t = await tampered(
      dir,
      log,
      (l) => l.includes('"name":"MAP_GPA_PAGES"'),
      (l) =>
        l.replace(
          /"input":"([0-9a-f]{80})([0-9a-f]{2})/,
          (_m, head: string, b: string) => `"input":"${head}${b === 'ff' ? '00' : 'ff'}`,
        ),
    );
    const r = await cli('replay', t.log);
    expect(r.code).toBe(1);
    expect(r.err[0]).toBe(
      `replay: DIVERGED at seq ${t.seq} (hypercall): the replay passes MAP_GPA_PAGES other input bytes than the log recorded`,
    );
    expect(r.err).toContainEqual('    input: 1 byte(s) differ in 1 place(s)');
    const located = r.err.filter((l) => /^ {6}\[40, 41\) sourcePfn\[2\] byte 0: [0-9a-f]{2}$/.test(l));
    expect(located).toHaveLength(2);
    expect(located[0]).not.toBe(located[1]);
  });

  it('an edited operation or result is named at its record, with the differing field', async () => {
    const { dir, log } = await logged('vp-lifecycle.json');
    const t = await tampered(
      dir,
      log,
      (l) => l.includes('"kind":"result"') && l.includes('"op":"MSHV_CREATE_VP"'),
      (l) => l.replace(/"value":(\d+)/, (_m, v: string) => `"value":${Number(v) + 100}`),
    );
    const r = await cli('replay', t.log);
    expect(r.code).toBe(1);
    expect(r.err[0]).toBe(`replay: DIVERGED at seq ${t.seq} (result): result differs at outcome.value`);
  });

  it('recover on a closed, complete log: only the eventfds a scenario never closes are live; the file is untouched', async () => {
    const { log } = await logged('vp-lifecycle.json');
    const before = fileHash(log);
    const r = await cli('recover', log);
    expect(r.code).toBe(0);
    const last = /seq 1\.\.(\d+)/.exec(r.out[1]!)![1]!;
    expect(r.out).toContain(`live at seq ${last}: nothing`);
    expect(r.out.at(-1)).toBe('audit: clean (pages conserved, 0 leaked, 0 pinned, no partition left)');
    expect(fileHash(log)).toBe(before);

    const irq = await logged('irqfd-ioeventfd-msi.json');
    const dry = await cli('recover', irq.log, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.out).toContainEqual(
      expect.stringMatching(/^live at seq \d+: 0 partition\(s\), 14 eventfd\(s\)/),
    );
    expect(dry.out.at(-1)).toBe('dry run: nothing closed');
    const full = await cli('recover', irq.log);
    expect(full.out).toContainEqual(
      expect.stringMatching(
        /^teardown \(close\(2\), §c\.12 order\): fd 5 eventfd, fd 6 eventfd, .*fd 18 eventfd$/,
      ),
    );
  });

  it('recover --from-snapshot rebuilds from the last snapshot and finds what a full replay finds; without a snapshot it replays from the start', async () => {
    const snap = await logged('irqfd-ioeventfd-msi.json', '--snapshot-every', '8');
    const full = await cli('recover', snap.log, '--dry-run');
    const fast = await cli('recover', snap.log, '--dry-run', '--from-snapshot');
    expect(fast.code).toBe(0);
    expect(fast.out[1]).toMatch(
      /^replay: identical: seq (\d+)\.\.\d+ reproduced \(scenario log, restored from the snapshot at seq \d+\)$/,
    );
    const liveLine = (out: readonly string[]): string | undefined =>
      out.find((l) => l.startsWith('live at seq'));
    expect(liveLine(fast.out)).toBe(liveLine(full.out));
    expect(liveLine(fast.out)).toMatch(/: 0 partition\(s\), 14 eventfd\(s\)/);
    const none = await logged('irqfd-ioeventfd-msi.json', '--snapshot-every', '0');
    const fallback = await cli('recover', none.log, '--dry-run', '--from-snapshot');
    expect(fallback.code).toBe(0);
    expect(fallback.out[0]).toBe('recover: the log has no snapshot: replaying it from the start');
    // The same run without snapshot records: fewer seqs, the same live objects.
    expect(liveLine(fallback.out)?.replace(/seq \d+/, '')).toBe(liveLine(full.out)?.replace(/seq \d+/, ''));
  });

  it('bad input exits 2, a damaged log 1 naming the record', async () => {
    const dir = tempDir();
    expect((await cli('replay')).code).toBe(2);
    expect((await cli('replay', join(dir, 'missing.log'))).code).toBe(2);
    expect((await cli('replay', 'x.log', '--frobnicate')).code).toBe(2);
    expect((await cli('recover')).code).toBe(2);
    expect((await cli('recover', 'a', 'b')).code).toBe(2);
    const text = join(dir, 'text.log');
    writeFileSync(text, 'not a database\n');
    const notLog = await cli('replay', text);
    expect(notLog.code).toBe(2);
    // A log without the run description (written by something that is not a run) is not replayable.
    const plain = join(dir, 'plain.log');
    const w = LogWriter.create(plain, testHeader);
    w.append(sampleRecord(1));
    w.close();
    const noMeta = await cli('replay', plain);
    expect(noMeta.code).toBe(2);
    expect(noMeta.err[0]).toMatch(/header meta\.run: missing/);
    expect((await cli('recover', plain)).code).toBe(2);
    // No snapshot to start from.
    const { log } = await logged('faults.json', '--snapshot-every', '0');
    const noSnap = await cli('replay', log, '--from-snapshot');
    expect(noSnap.code).toBe(2);
    expect(noSnap.err[0]).toMatch(/no snapshot record in the log to start from/);
    // run --log never overwrites; its options need --log.
    expect((await cli('run', 'docs/scenarios/faults.json', '--log', log)).code).toBe(2);
    expect((await cli('run', 'docs/scenarios/faults.json', '--snapshot-every', '4')).code).toBe(2);
    expect(
      (await cli('run', 'docs/scenarios/faults.json', '--log', join(dir, 'n.log'), '--durability', 'fast'))
        .code,
    ).toBe(2);
    // A flipped byte inside a record: replay and recover name its seq, exit 1.
    const bytes = readFileSync(log);
    const at = bytes.indexOf('"name":"step"', bytes.length / 2);
    expect(at).toBeGreaterThan(0);
    bytes[at + 8] = 'S'.charCodeAt(0);
    writeFileSync(log, bytes);
    const damaged = await cli('replay', log);
    expect(damaged.code).toBe(1);
    expect(damaged.err[0]).toMatch(/^replay: the log is damaged: .*run\.log: seq \d+: checksum mismatch/);
    const rec = await cli('recover', log);
    expect(rec.code).toBe(1);
    expect(rec.err.join('\n')).toMatch(/seq \d+: checksum mismatch/);
  });

  it('a flipped byte in a record replay reproduces (not re-checksummed on reading) is reported as damage at that seq', async () => {
    const { log } = await logged('vp-lifecycle.json');
    const bytes = readFileSync(log);
    // A hypercall's operation name, inside the body of one hypercall record.
    const at = bytes.indexOf('"op":"MSHV_CREATE_VP"');
    expect(at).toBeGreaterThan(0);
    bytes[at + 8] = 'm'.charCodeAt(0);
    writeFileSync(log, bytes);
    const fast = await cli('replay', log);
    expect(fast.code).toBe(1);
    expect(fast.err[0]).toMatch(
      /^replay: the log is damaged: .*run\.log: seq (\d+): checksum mismatch: stored [0-9a-f]{16}, computed [0-9a-f]{16}/,
    );
    const full = await cli('replay', log, '--verify-checksums');
    expect(full.code).toBe(1);
    const seq = /seq (\d+): checksum mismatch/.exec(fast.err[0]!)![1]!;
    expect(full.err[0]).toContain(`seq ${seq}: checksum mismatch`);
  });

  it('help lists replay and recover', async () => {
    const r = await cli('help');
    expect(r.out[0]).toMatch(/ {2}replay {2,}replay a log against its recorded hypervisor/);
    expect(r.out[0]).toMatch(/ {2}recover {2,}rebuild a crashed run/);
  });
});
