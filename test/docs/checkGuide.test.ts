/**
 * The examples of docs/guide/check.md that test/check/docs.test.ts does not cover: the trace
 * `mshv-control check` prints for the example model (the `<!-- output: check-trace -->` block), and
 * the example counterexample file as the guide quotes it (every member but the elided `steps` and
 * `trace` equal to docs/check/lost-completion.counterexample.json).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/Command.js';
import { runCli } from '../../src/cli/runCli.js';
import { useTempDir } from '../log/tempDir.js';
import { guideSource } from './guideSource.js';

const GUIDE = 'docs/guide/check.md';
const { guideBlock } = guideSource(GUIDE, 'test/docs/checkGuide.test.ts');
const tempDir = useTempDir();

describe('docs/guide/check.md: the example counterexample', () => {
  it('output: check-trace is what `check docs/check/lost-completion.json` prints after its coverage', async () => {
    const dir = tempDir();
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), isTty: false };
    expect(await runCli(['check', 'docs/check/lost-completion.json', '--out', dir], io)).toBe(1);
    const lines = [...out, ...err].map((l) => l.replaceAll(`${dir}/`, ''));
    const from = lines.findIndex((l) => l.startsWith('VIOLATION of '));
    expect(from).toBeGreaterThan(0);
    const trace = lines.slice(from).filter((l) => !l.startsWith('bfs '));
    expect(`${trace.join('\n')}\n`).toBe(guideBlock('<!-- output: check-trace -->'));
  });

  it('the quoted counterexample file is the shipped one, steps and trace elided', () => {
    const quoted = JSON.parse(
      guideBlock('<!-- from docs/check/lost-completion.counterexample.json (steps and trace elided) -->'),
    ) as Record<string, unknown>;
    const file = JSON.parse(readFileSync('docs/check/lost-completion.counterexample.json', 'utf8')) as Record<
      string,
      unknown
    >;
    expect(Object.keys(quoted)).toEqual(Object.keys(file));
    const elided = ['steps', 'trace'];
    const without = (o: Record<string, unknown>): Record<string, unknown> =>
      Object.fromEntries(Object.entries(o).filter(([k]) => !elided.includes(k)));
    expect(without(quoted)).toEqual(without(file));
    expect([quoted.steps, quoted.trace]).toEqual([
      ['… the path as explored, armed faults as steps …'],
      ['… the decoded run, below …'],
    ]);
  });
});
