/**
 * A throw that is no user error (a broken invariant of the model, a bug) is the tool's own fault:
 * one line `mshv-control NAME: internal error: …` and exit 3, as `check` does, never a stack trace
 * and never exit 1, which stays "a step missed its expect" (CLI review finding 1).
 */
import { describe, expect, it, vi } from 'vitest';
import { runCaptured } from './runCaptured.js';

vi.mock('../../src/runner/runScenario.js', () => ({
  runScenario: (): never => {
    throw new Error('broken invariant: a window opened inside a window\n    at somewhere (file.js:1:1)');
  },
}));

describe('run and trace: an internal error (finding 1)', () => {
  it.each(['run', 'trace'])('%s exits 3 with one line on stderr, no stack trace', async (name) => {
    const r = await runCaptured([name, 'docs/scenarios/vp-lifecycle.json']);
    expect(r.code).toBe(3);
    expect(r.err).toEqual([
      `mshv-control ${name}: internal error: broken invariant: a window opened inside a window`,
    ]);
  });

  it.each(['run', 'trace'])('%s documents exit code 3 in its usage', async (name) => {
    const r = await runCaptured([name, '--help']);
    expect(r.out.join('\n')).toMatch(/3 internal error \(a fault of\s+mshv-control itself/);
  });
});
