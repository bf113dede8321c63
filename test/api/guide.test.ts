import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const guide = readFileSync(new URL('../../docs/guide/host-api.md', import.meta.url), 'utf8');
const examples = readFileSync(new URL('./examples.ts', import.meta.url), 'utf8');

/** The `// #region name` … `// #endregion` spans of the examples file, by name. */
function regions(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /^[ \t]*\/\/ #region (\S+)\n([\s\S]*?)^[ \t]*\/\/ #endregion$/gm;
  for (const m of text.matchAll(re)) out.set(m[1] ?? '', m[2] ?? '');
  return out;
}

/** The ```ts blocks of a Markdown text, in order. */
function tsBlocks(text: string): string[] {
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? '');
}

/**
 * Code with layout removed: whitespace, and the trailing commas Prettier adds when it breaks a call
 * over lines (the guide's blocks are formatted at a different indentation than the file's regions).
 */
const shape = (code: string): string => code.replace(/\s+/g, '').replace(/,(?=[)\]}])/g, '');

describe('docs/guide/host-api.md', () => {
  const blocks = tsBlocks(guide);
  const named = regions(examples);

  it('has examples, and the examples file has regions', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    expect(named.size).toBe(blocks.length);
  });

  it('every code block is a region of test/api/examples.ts (compiled and run by examples.test.ts)', () => {
    const shapes = new Map([...named].map(([name, code]) => [shape(code), name]));
    for (const block of blocks)
      expect(shapes.get(shape(block)), `not in examples.ts:\n${block}`).toBeDefined();
  });

  it('every region of the examples file is in the guide, in the same order', () => {
    const order = blocks.map((b) => [...named].find(([, code]) => shape(code) === shape(b))?.[0]);
    expect(order).toEqual([...named.keys()]);
  });

  it('rules 1 and 3: says what an unmap of the last region does to `configured` and that resume unparks every VP', () => {
    const prose = guide.replace(/\s+/g, ' ');
    expect(prose).toContain('a partition whose last region `unmapMemory` took away stays `configured`');
    expect(prose).toContain('`resume` unparks every VP: one parked on its own with `vp.park()`');
  });

  it('the comparison notices an edit', () => {
    const [first] = named.values();
    expect(shape(first ?? '')).not.toBe(shape((first ?? '').replace('seed: 7', 'seed: 8')));
  });
});
