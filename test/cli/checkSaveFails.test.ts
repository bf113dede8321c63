/**
 * A counterexample `check` cannot save after exploring (the disk filled up after the up-front probe)
 * is still printed, and stderr says in one line that it was not saved; the verdict keeps exit 1
 * (CLI review finding 2).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runCaptured } from './runCaptured.js';

vi.mock('../../src/check/writeCounterexampleLog.js', () => ({
  writeCounterexampleLog: (): never => {
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  },
}));

const dir = mkdtempSync(join(tmpdir(), 'mshv-check-save-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('check: a counterexample that could not be saved', () => {
  it('is printed, named as not saved in one line on stderr, and exits 1', async () => {
    const r = await runCaptured(['check', 'docs/check/lost-completion.json', '--out', dir]);
    expect(r.code).toBe(1);
    expect(r.out.join('\n')).toContain('VIOLATION of liveness');
    expect(r.err).toEqual([
      `mshv-control check: --out ${dir}: the counterexample could not be saved in full (ENOSPC: no space left on device, write); it is printed above`,
    ]);
  });
});
