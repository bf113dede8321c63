import { describe, expect, it, vi } from 'vitest';
import type { CheckResult } from '../../src/check/runCheck.js';
import { runCaptured } from '../cli/runCaptured.js';

// runCheck answers as it does when a violation found while exploring does not reproduce on a fully
// observed re-run (test/check/observedReplay.test.ts builds such a case on a planted variant, which
// the CLI cannot load).
vi.mock('../../src/check/runCheck.js', () => ({
  runCheck: (): Promise<CheckResult> =>
    Promise.resolve({
      verdict: 'internal-error',
      strategy: 'bfs',
      states: 3,
      transitions: 5,
      depth: 2,
      work: { steps: 9, worlds: 4 },
      coverage: { states: {}, transitions: {}, calls: {}, invariants: {}, intents: {} },
      elapsedMs: 0,
      internalError:
        'a violation did not reproduce: conservation after 5 steps, but a fully observed re-run of the path breaks no invariant',
    }),
}));

const run = (...argv: string[]): ReturnType<typeof runCaptured> => runCaptured([...argv]);

describe('mshv-control check: a violation that did not reproduce (review finding 2)', () => {
  it('exits 3 with one line on stderr, writes nothing and prints no verdict', async () => {
    const r = await run('check');
    expect(r.code).toBe(3);
    expect(r.err).toEqual([
      'mshv-control check: internal error: a violation did not reproduce: conservation after 5 steps, but a fully observed re-run of the path breaks no invariant',
    ]);
    expect(r.out.join('\n')).not.toMatch(/verdict|wrote/);
  });

  it('documents exit code 3 in its usage', async () => {
    const r = await run('check', '--help');
    expect(r.code).toBe(0);
    expect(r.out.join('\n')).toMatch(/3 internal error: a violation did not reproduce/);
  });
});
