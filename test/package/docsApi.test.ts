/**
 * `npm run docs:api` (issue 2: typedoc for the API reference) runs clean: typedoc documents the two
 * package entry points and treats every warning as an error, so a public member whose type is not
 * exported, or a broken link in a doc comment, fails here rather than on a user's machine. The HTML
 * goes to docs/api (gitignored), never over docs/.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

interface TypedocConfig {
  readonly entryPoints: readonly string[];
  readonly out: string;
  readonly treatWarningsAsErrors: boolean;
}

describe('npm run docs:api (typedoc)', () => {
  it('documents exactly the package entry points into docs/api', () => {
    const config = JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8')) as TypedocConfig;
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, string | { default: string }>;
      scripts: Record<string, string>;
    };
    const entrySources = Object.values(pkg.exports)
      .filter((t): t is { default: string } => typeof t !== 'string')
      .map((t) => t.default.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts'));
    expect([...config.entryPoints].sort()).toEqual(entrySources.sort());
    expect(config.out).toBe('docs/api');
    expect(config.treatWarningsAsErrors).toBe(true);
    expect(readFileSync(join(root, '.gitignore'), 'utf8').split('\n')).toContain('docs/api/');
    expect(pkg.scripts['docs:api']).toBe('typedoc');
  });

  it('runs without a warning', () => {
    const typedoc = join(root, 'node_modules', 'typedoc', 'bin', 'typedoc');
    const r = spawnSync(process.execPath, [typedoc, '--emit', 'none'], { cwd: root, encoding: 'utf8' });
    expect(r.stdout + r.stderr).not.toMatch(/warning|error/i);
    expect(r.status).toBe(0);
  });
});
