import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliIo } from '../../src/cli/Command.js';
import { runCli } from '../../src/cli/runCli.js';
import { LogWriter } from '../../src/log/LogWriter.js';
import { sampleRecord } from './sampleRecords.js';
import { testHeader } from './tempDir.js';

/** Run `mshv-control ARGV` in process; its exit code and its stdout and stderr lines. */
export async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), isTty: false };
  return { code: await runCli(argv, io), out, err };
}

/** A log of `count` sample records at DIR/NAME, committed every 4; closed unless `close` is false. */
export function makeLog(dir: string, count: number, close = true, name = 'run.log'): string {
  const path = join(dir, name);
  const w = LogWriter.create(path, { ...testHeader, meta: { scenario: 'boot' } });
  for (let seq = 1; seq <= count; seq += 1) {
    w.append(sampleRecord(seq));
    if (seq % 4 === 0) w.commit();
  }
  if (close) w.close();
  else w.commit();
  return path;
}

/** Write lines as a .jsonl file (one per line, a final newline); returns its path. */
export function writeJsonl(path: string, lines: readonly string[]): string {
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** The import directories (`.NAME.import-…`) in a directory. */
export function importDirs(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.includes('.import-'));
}
