/**
 * What `npm pack` ships (issue 2): the compiled library and CLI, their declarations, README and
 * LICENSE; no tests, no bench, no sources of the reference facts (mshv-facts.json stays a test
 * fixture). Scripts are skipped (`--ignore-scripts`): `prepack` rebuilds, and `npm test` has built.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  readonly exports: Readonly<Record<string, string | { readonly types: string; readonly default: string }>>;
  readonly bin: Readonly<Record<string, string>>;
  readonly scripts: Readonly<Record<string, string>>;
};

function packedFiles(): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
  });
  const [report] = JSON.parse(out) as { files: { path: string }[] }[];
  if (report === undefined) throw new Error('npm pack --json printed no report');
  return report.files.map((f) => f.path);
}

describe('npm pack contents', () => {
  const files = packedFiles();

  it('ships every export target and the CLI', () => {
    for (const target of Object.values(pkg.exports)) {
      const paths = typeof target === 'string' ? [target] : [target.types, target.default];
      for (const p of paths) expect(files).toContain(p.replace(/^\.\//, ''));
    }
    for (const bin of Object.values(pkg.bin)) expect(files).toContain(bin);
    expect(files).toContain('README.md');
    expect(files).toContain('LICENSE');
  });

  it('ships no test, bench, fixture or reference-facts file, and no TypeScript source', () => {
    const offending = files.filter(
      (f) =>
        /(^|\/)test\//.test(f) ||
        f.includes('.test.') ||
        f.includes('mshv-facts') ||
        f.includes('fixtures') ||
        (f.endsWith('.ts') && !f.endsWith('.d.ts')),
    );
    expect(offending).toEqual([]);
    expect(
      files.every((f) => f.startsWith('dist/') || ['LICENSE', 'README.md', 'package.json'].includes(f)),
    ).toBe(true);
  });

  it('rebuilds from a clean dist before packing, so a fresh clone packs a complete package', () => {
    expect(pkg.scripts.prepack).toBe('npm run build');
    expect(pkg.scripts.build).toMatch(/^npm run clean --silent && tsc -p tsconfig\.build\.json$/);
  });
});
