import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * A temporary directory for one test file's inputs, removed after its tests, and a writer of JSON
 * files in it (scenarios, models): `file(name, json)` writes `json` and returns the path.
 *
 * @example
 * const { dir, file } = jsonFiles('mshv-cli-');
 * const path = file('tiny.json', { format: 1, name: 'tiny', seed: 1, steps: [] });
 */
export function jsonFiles(prefix: string): {
  readonly dir: string;
  readonly file: (name: string, json: unknown) => string;
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    file: (name, json) => {
      const path = join(dir, name);
      writeFileSync(path, JSON.stringify(json));
      return path;
    },
  };
}
