import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

/** A fresh directory under os.tmpdir(), removed after the test. */
export function useTempDir(): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), 'mshv-log-'));
    dirs.push(d);
    return d;
  };
}

/** sha256 of a file's bytes, or 'absent'. */
export function fileHash(path: string): string {
  return existsSync(path) ? createHash('sha256').update(readFileSync(path)).digest('hex') : 'absent';
}

/** Hashes of a log file and its SQLite side files. */
export function logFileHashes(path: string): Record<string, string> {
  return Object.fromEntries(['', '-wal', '-shm', '-journal'].map((s) => [`log${s}`, fileHash(path + s)]));
}

export const testHeader = {
  seed: 42n,
  productVersion: '0.1.0-test',
  createdBy: 'test/log',
  nodeVersion: '24.0.0-test',
};
