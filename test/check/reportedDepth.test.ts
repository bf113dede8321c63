import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_JSON } from '../../src/check/defaultModel.js';
import { loadCheckModel } from '../../src/check/loadCheckModel.js';
import { runCheck } from '../../src/check/runCheck.js';
import { PLANTED } from './plantedVariants.js';

const intents = (path: readonly { kind: string }[]): number => path.filter((s) => s.kind === 'intent').length;

describe('the depth a check reports counts intents, as bounds.steps does', () => {
  it('dfs: a violation found behind an armed fault reports the intents of its path, not its steps', async () => {
    const variant = PLANTED.find((v) => v.name === 'unmapIn2MUnits');
    if (variant === undefined) throw new Error('no unmapIn2MUnits variant');
    // No BFS prefix: the depth-first tasks themselves find it.
    const model = loadCheckModel({ ...DEFAULT_MODEL_JSON, dfs: { splitDepth: 0 } });
    const r = await runCheck({ model, strategy: 'dfs', variant });
    const path = r.found?.path ?? [];
    expect(path.some((s) => s.kind === 'fault')).toBe(true);
    expect(r.depth).toBe(intents(path));
    expect(r.depth).toBeLessThan(path.length);
  });
});
