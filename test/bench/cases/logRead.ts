/**
 * The event log's rates (issue 5, "Performance"): writes ~200k mixed records (every kind,
 * snapshots every 50, hypercall inputs from a few bytes to a page) to a log in a temp directory,
 * committing every 8 records as an operation would, then reads the same log back. The replay cases
 * (replay.ts) do not use these figures: each measures the raw read-and-decode rate of its own log
 * beside its replay, in alternation, and reports `replayToRawRatio` (replay ≥ 50% of raw).
 *
 * - writeRecordsPerS: append + commit, durability 'full' (synchronous=FULL: an fsync per commit).
 * - writeNormalRecordsPerS: the same with durability 'normal' (synchronous=NORMAL).
 * - readDecodeRecordsPerS: iterate and decode every record, no checksum checks (`verify: false`).
 * - readVerifyRecordsPerS: the same with the checksum chain and seq checks (the default read).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openLog } from '../../../src/log/LogReader.js';
import type { LogRecord } from '../../../src/log/LogRecord.js';
import { LogWriter, type LogDurability } from '../../../src/log/LogWriter.js';
import { sampleRecord } from '../../log/sampleRecords.js';

const RECORDS = 200_000;
const RECORDS_PER_COMMIT = 8;

function write(path: string, records: readonly LogRecord[], durability: LogDurability): number {
  const t0 = performance.now();
  const w = LogWriter.create(
    path,
    { seed: 1n, productVersion: 'bench', createdBy: 'test/bench/cases/logRead' },
    { durability },
  );
  for (let i = 0; i < records.length; i += RECORDS_PER_COMMIT) {
    w.append(...records.slice(i, i + RECORDS_PER_COMMIT));
    w.commit();
  }
  w.close();
  return rate(records.length, performance.now() - t0);
}

function read(path: string, verify: boolean): number {
  const log = openLog(path);
  const t0 = performance.now();
  let n = 0;
  let bytes = 0;
  for (const r of log.records({ verify })) {
    n += 1;
    if (r.record.kind === 'hypercall') bytes += r.record.input.length;
  }
  const ms = performance.now() - t0;
  log.close();
  if (n !== RECORDS || bytes === 0) throw new Error(`read ${n} records, want ${RECORDS}`);
  return rate(n, ms);
}

const rate = (n: number, ms: number): number => Math.round((n / ms) * 1000);

export function run(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'mshv-bench-log-'));
  try {
    const records = Array.from({ length: RECORDS }, (_, i) => sampleRecord(i + 1));
    const path = join(dir, 'full.log');
    const writeRecordsPerS = write(path, records, 'full');
    const writeNormalRecordsPerS = write(join(dir, 'normal.log'), records, 'normal');
    read(path, false); // warm the page cache and the JIT
    const readDecodeRecordsPerS = read(path, false);
    const readVerifyRecordsPerS = read(path, true);
    return Promise.resolve({
      records: RECORDS,
      logMiB: Math.round((statSync(path).size / 2 ** 20) * 10) / 10,
      writeRecordsPerS,
      writeNormalRecordsPerS,
      readDecodeRecordsPerS,
      readVerifyRecordsPerS,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
