/**
 * `mshv-control run` and `trace` as a user runs them (issue 3, "done when"): the run prints the
 * model's seed first and every knob it derived; the trace of a scenario is byte-identical across
 * processes; a different seed changes the host PFNs the guest is mapped to; a reader that stops early
 * is not an error. `npm test` builds before vitest runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const bin = join(root, 'dist', 'src', 'cli', 'main.js');
const scenario = join(root, 'docs', 'scenarios', 'boot-4k.json');
const tmp = mkdtempSync(join(tmpdir(), 'mshv-cli-'));
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function cli(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The PFN lists MAP_GPA_PAGES passed, from a trace (the input after the 24-byte header). */
function mappedPfns(trace: string): string[] {
  return trace
    .split('\n')
    .filter((l) => l.includes('"name":"MAP_GPA_PAGES"'))
    .map((l) => (JSON.parse(l) as { input: string }).input.slice(48));
}

describe('mshv-control run / trace (process)', () => {
  it('run prints the seed first, then every derived knob, and ends with the audit', () => {
    const r = cli('run', scenario);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe('seed 7');
    for (const knob of ['scheduler core-smt', 'repTimeSlice 300', 'fragmentation', 'costs', 'xsave'])
      expect(
        lines.some((l) => l.startsWith(knob)),
        knob,
      ).toBe(true);
    expect(lines).toContain('audit: conserved');
  });

  it('trace prints the same bytes in every process', () => {
    const a = cli('trace', scenario);
    const b = cli('trace', scenario);
    expect(a.code).toBe(0);
    expect(a.out.length).toBeGreaterThan(10_000);
    expect(b.out).toBe(a.out);
  });

  it('a different seed maps the guest to different host PFNs', () => {
    const text = JSON.parse(readFileSync(scenario, 'utf8')) as { seed: number };
    const other = join(tmp, 'boot-4k-seed-8.json');
    writeFileSync(other, JSON.stringify({ ...text, seed: text.seed + 1 }));
    const a = mappedPfns(cli('trace', scenario).out);
    const b = mappedPfns(cli('trace', other).out);
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    expect(b).not.toEqual(a);
  });

  it('leaves quietly (exit 0, nothing on stderr) when the reader closes the pipe early', async () => {
    const child = spawn(process.execPath, [bin, 'trace', scenario], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.once('data', () => {
      child.stdout.destroy();
    });
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(err).toBe('');
    expect(code).toBe(0);
  });
});
