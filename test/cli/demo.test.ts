import { existsSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/runCli.js';
import { openLog } from '../../src/log/LogReader.js';

interface Captured {
  readonly code: number;
  readonly out: string[];
  readonly err: string[];
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function demo(args: readonly string[] = [], isTty = false): Promise<Captured & { logPath: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['demo', ...args], { out: (l) => out.push(l), err: (l) => err.push(l), isTty });
  const logLine = out.find((l) => l.startsWith('log: ')) ?? '';
  const logPath = logLine.slice('log: '.length);
  if (logPath !== '') dirs.push(dirname(logPath));
  return { code, out, err, logPath };
}

/** Everything but the temporary log path, which is the one thing allowed to differ between runs. */
const withoutPath = (lines: readonly string[]): string[] => lines.filter((l) => !l.startsWith('log: '));

describe('mshv-control demo (npm start)', () => {
  it('runs the 4-VP guest to a verified log and exits 0, the same output every run but the log path', async () => {
    const a = await demo();
    expect(a.err).toEqual([]);
    expect(a.code).toBe(0);
    expect(a.out[0]).toBe('mshv-control demo --seed 2026: a 4-VP, 4 GiB guest on the simulated hypervisor');
    expect(existsSync(a.logPath)).toBe(true);
    const steps = a.out
      .filter((l) => /^\[\d+\/11\] /.test(l))
      .map((l) => /^\[\d+\/11\] ([^:]+):/.exec(l)?.[1]);
    expect(steps).toEqual([
      'create partition',
      'map memory',
      'devices',
      'create VPs',
      'boot',
      'dirty pass',
      'snapshot while running',
      'pause',
      'run after resume',
      'close',
      'replay',
    ]);
    const text = a.out.join('\n');
    expect(text).toContain('4 GiB RAM at GPA 0 (2 MiB pages), 2 MiB MMIO at 0x100000000');
    expect(text).toContain('exits IO_PORT 16, CPUID 4, UNMAPPED_GPA 4, MMIO 4, HALT 4');
    expect(text).toContain('serial 0x3f8: "cpu0" "cpu1" "cpu2" "cpu3"');
    expect(text).toContain('32 dirty (8 written by each VP)');
    expect(text).toContain('refused EBUSY [snapshotOnlyWhileQuiesced]');
    expect(text).toContain('kicked 4 of 4 VPs asleep in MSHV_RUN_VP (EINTR, rule 4)');
    expect(text).toContain('host pages: conserved, nothing leaked');
    // The log is replayed against the recorded hypervisor, from the start and from its snapshot.
    expect(text).toMatch(/\[11\/11\] replay: \d+ records \(.*\), closed, every checksum verified/);
    expect(text).toMatch(/replay: identical: seq 1\.\.(\d+) reproduced \(control-plane log\)/);
    expect(text).toMatch(
      /replay: identical: seq \d+\.\.\d+ reproduced \(control-plane log, restored from the snapshot at seq \d+\)/,
    );
    // The summary: seed and knobs first, then hypercalls by kind, windows, deposits, verdict.
    const summary = a.out.slice(a.out.indexOf('summary') + 1);
    expect(summary[0]).toBe('  seed 2026');
    expect(summary[1]).toBe('  scheduler core-smt');
    const order = ['  hypercalls: ', '  interrupt windows: ', '  deposits: ', '  verdict: ok'].map((p) =>
      summary.findIndex((l) => l.startsWith(p)),
    );
    expect(order.every((i, k) => i > 0 && (k === 0 || i > (order[k - 1] ?? 0)))).toBe(true);
    expect(summary).toContain('    MAP_GPA_PAGES 9');
    expect(summary.find((l) => l.startsWith('  interrupt windows: '))).toMatch(/largest 4095 reps$/);
    // The log the demo wrote is whole and closed; its records are what the summary counted.
    const log = openLog(a.logPath);
    try {
      const v = log.verify();
      expect(v).toMatchObject({ ok: true, closed: true });
      const hypercalls = Number(/hypercalls: (\d+)/.exec(summary.join('\n'))?.[1]);
      expect(v.byKind.hypercall).toBe(hypercalls);
      expect(log.header.seed).toBe('2026');
    } finally {
      log.close();
    }
    const b = await demo();
    expect(b.code).toBe(0);
    expect(b.logPath).not.toBe(a.logPath);
    expect(withoutPath(b.out)).toEqual(withoutPath(a.out));
  });

  it('--seed reproduces another run; bad arguments exit 2 naming them', async () => {
    const seeded = await demo(['--seed', '7']);
    expect(seeded.code).toBe(0);
    expect(seeded.out).toContain('  seed 7');
    for (const args of [['--seed'], ['--seed', 'x'], ['--seed', '0x100000000'], ['extra']]) {
      const bad = await demo(args);
      expect(bad.code).toBe(2);
      expect(bad.out).toEqual([]);
      expect(bad.err.join('\n')).toMatch(/^mshv-control demo: /);
    }
  });

  it('a TMPDIR where no directory can be made is one line, exit 2, no stack trace (CLI review finding 2)', async () => {
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = '/nonexistent/mshv-control-test';
    try {
      const r = await demo();
      expect(r.code).toBe(2);
      expect(r.out).toEqual([]);
      expect(r.err).toEqual([
        'mshv-control demo: cannot make a directory for the log in /nonexistent/mshv-control-test (ENOENT): set TMPDIR to a writable directory',
      ]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  it('on a terminal each step is shown while it runs, then redrawn with its outcome', async () => {
    const tty = await demo([], true);
    expect(tty.code).toBe(0);
    const i = tty.out.indexOf('[1/11] create partition …');
    expect(i).toBeGreaterThan(0);
    const redraw = '\u001b[1A\u001b[2K';
    expect(tty.out[i + 1]?.startsWith(`${redraw}[1/11] create partition: `)).toBe(true);
  });
});
