/**
 * The README stays true (issue 2): what the product is and who it is for come first, then the quick
 * start with exactly the two commands; every CLI example it shows runs and exits 0, every npm script
 * and file it names exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/Command.js';
import { runCli } from '../../src/cli/runCli.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const scripts = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;

/** The text of the `## title` section, up to the next `## ` heading. */
function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start < 0) return '';
  const next = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, next < 0 ? undefined : next);
}

describe('README', () => {
  it('says what the product is and who it is for before the quick start', () => {
    const headings = [...readme.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(headings[0]).toBe('Quick start');
    const intro = readme.slice(0, readme.indexOf('\n## '));
    expect(intro).toMatch(/^# mshv-control\n/);
    expect(intro).toMatch(/TypeScript library and CLI that models the Linux `mshv_root` driver/);
    expect(intro).toMatch(/It is for/);
  });

  it('gives exactly the two quick-start commands, each in its own block', () => {
    const blocks = [...section('Quick start').matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(blocks).toEqual(['npm ci && npm start\n', 'npm ci && npm test\n']);
    expect(scripts.start).toMatch(/main\.js demo$/);
    expect(scripts.test).toBe('npm run typecheck && npm run lint && npm run build && vitest run');
  });

  it('names only npm scripts that exist', () => {
    const named = [...readme.matchAll(/`npm run ([\w:]+)/g)].map((m) => m[1] ?? '');
    expect(named.length).toBeGreaterThan(0);
    for (const s of named) expect(Object.keys(scripts), s).toContain(s);
  });

  it('names only files that exist', () => {
    const paths = [...readme.matchAll(/\b((?:docs|adapters|src)\/[\w./-]+\.(?:md|json))\b/g)].map(
      (m) => m[1] ?? '',
    );
    expect(paths.length).toBeGreaterThan(0);
    for (const p of paths) expect(existsSync(join(root, p)), p).toBe(true);
  });

  it('shows CLI examples that run and exit 0', async () => {
    const examples = [...readme.matchAll(/`mshv-control ([^`]+)`/g)]
      .map((m) => (m[1] ?? '').split(' '))
      .filter((argv) => !argv.some((a) => /^[A-Z]+$/.test(a)));
    expect(examples.length).toBeGreaterThanOrEqual(4);
    for (const argv of examples) {
      const out: string[] = [];
      const err: string[] = [];
      const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), isTty: false };
      const resolved = argv.map((a) => (a.startsWith('docs/') ? join(root, a) : a));
      expect(await runCli(resolved, io), argv.join(' ')).toBe(0);
      expect(err, argv.join(' ')).toEqual([]);
      expect(out.length, argv.join(' ')).toBeGreaterThan(0);
    }
  });
});
