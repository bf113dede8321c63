import { readFileSync } from 'node:fs';

/**
 * How a guide's examples are tied to a test file: a code block marked
 * `<!-- from FILE#NAME -->` is the region `// #region NAME` … `// #endregion` of FILE (dedented), and
 * an output block marked `<!-- output: NAME -->` is what the test NAME prints. Both sides are read
 * here so each guide test only says which guide and which file.
 *
 * @example
 * const { guideBlock, region } = guideSource('docs/guide/native.md', 'test/native/guide.test.ts');
 * expect(guideBlock('<!-- from test/native/guide.test.ts#open -->')).toBe(region('open'));
 */
export function guideSource(
  guidePath: string,
  testPath: string,
): { guideBlock: (marker: string) => string; region: (name: string) => string } {
  /** The fenced block that follows `marker` in the guide. */
  const guideBlock = (marker: string): string => {
    const guide = readFileSync(guidePath, 'utf8');
    const at = guide.indexOf(marker);
    if (at < 0) throw new Error(`${guidePath} has no ${marker}`);
    const m = /```[a-z]*\n([\s\S]*?)```/.exec(guide.slice(at));
    if (m === null) throw new Error(`${guidePath}: no code block after ${marker}`);
    return m[1]!;
  };
  /** Region NAME of the test file, dedented. */
  const region = (name: string): string => {
    const text = readFileSync(testPath, 'utf8');
    const m = new RegExp(`// #region ${name}\\n([\\s\\S]*?)\\n\\s*// #endregion`).exec(text);
    if (m === null) throw new Error(`${testPath}: no region ${name}`);
    const lines = m[1]!.split('\n');
    const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length));
    return `${lines.map((l) => l.slice(indent)).join('\n')}\n`;
  };
  return { guideBlock, region };
}
