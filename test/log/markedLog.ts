import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { LogRecord } from '../../src/log/LogRecord.js';
import { LogWriter } from '../../src/log/LogWriter.js';
import { sampleRecord } from './sampleRecords.js';
import { testHeader } from './tempDir.js';

/**
 * A closed log of 40 sample records in `dir`, with the records `marked` gives at their seqs instead
 * (each carrying a marker string a test then finds in the file's bytes).
 */
export function markedLog(dir: string, marked: Readonly<Record<number, LogRecord>>): string {
  const path = join(dir, 'run.log');
  const w = LogWriter.create(path, testHeader);
  for (let seq = 1; seq <= 40; seq += 1) w.append(marked[seq] ?? sampleRecord(seq));
  w.close();
  return path;
}

/** Overwrite the last character of `marker` in the file's bytes with `char` (damage, not an edit). */
export function patchMarker(path: string, marker: string, char: string): void {
  const bytes = readFileSync(path);
  const at = bytes.indexOf(marker);
  expect(at).toBeGreaterThan(0);
  bytes[at + marker.length - 1] = char.charCodeAt(0);
  writeFileSync(path, bytes);
}
