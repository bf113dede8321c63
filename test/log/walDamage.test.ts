import { copyFileSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLog } from '../../src/log/LogReader.js';
import { LogWriter } from '../../src/log/LogWriter.js';
import { walDamage } from '../../src/log/walDamage.js';
import { checkpointedCrash } from './checkpointedCrash.js';
import { sampleRecord } from './sampleRecords.js';
import { logFileHashes, testHeader, useTempDir } from './tempDir.js';
import { openError } from './tamper.js';

const tempDir = useTempDir();
const FRAME = 24 + 4096;
const OPS = 12;

/**
 * The files a writer killed after its OPS-th commit leaves (copied while it is open: what a
 * SIGKILL at that instant leaves on disk), and the seq of each commit.
 */
function crashedLog(): { path: string; commits: number[] } {
  const dir = tempDir();
  const live = join(dir, 'live.log');
  const w = LogWriter.create(live, testHeader, { durability: 'normal' });
  const commits: number[] = [];
  let seq = 0;
  for (let op = 0; op < OPS; op += 1) {
    for (let i = 0; i < 1 + (op % 4) * 3; i += 1) w.append(sampleRecord((seq += 1)));
    w.commit();
    commits.push(seq);
  }
  const path = join(dir, 'crashed.log');
  copyFileSync(live, path);
  copyFileSync(`${live}-wal`, `${path}-wal`);
  w.close();
  return { path, commits };
}

/** Commit frames of the -wal (1-based), read from the frame headers. */
function commitFrames(wal: Buffer): number[] {
  const out: number[] = [];
  for (let f = 0; 32 + (f + 1) * FRAME <= wal.length; f += 1)
    if (wal.readUInt32BE(32 + f * FRAME + 4) !== 0) out.push(f + 1);
  return out;
}

function lastSeq(path: string): number {
  const log = openLog(path);
  try {
    const v = log.verify();
    expect(v.error).toBeNull();
    return v.lastGoodSeq;
  } finally {
    log.close();
  }
}

function flip(path: string, at: number): void {
  const b = readFileSync(path);
  b[at] = b[at]! ^ 0x55;
  writeFileSync(path, b);
}

describe('one damaged byte in a crashed log’s -wal is named, not read as a torn tail (review item 1)', () => {
  it('an intact crashed log reads to its last commit; the scan finds nothing', () => {
    const { path, commits } = crashedLog();
    expect(walDamage(`${path}-wal`)).toBeNull();
    expect(lastSeq(path)).toBe(commits.at(-1));
  });

  it('a flipped byte in a frame before the last transaction: damage, naming where the records stop', () => {
    const { path, commits } = crashedLog();
    const wal = readFileSync(`${path}-wal`);
    const commitsAt = commitFrames(wal);
    // The writer's first commits create the schema and the header; then one per operation.
    const offset = commitsAt.length - commits.length;
    expect(offset).toBeGreaterThanOrEqual(1);
    // A page byte of the frame after the second operation's commit (inside the third's).
    const frame = commitsAt[offset + 1]! + 1;
    const before = logFileHashes(path);
    flip(`${path}-wal`, 32 + (frame - 1) * FRAME + 24 + 100);
    const damaged = logFileHashes(path);
    expect(walDamage(`${path}-wal`)).toMatchObject({ frame });
    const e = openError(path);
    expect(e).toMatchObject({ problem: 'storage', seq: commits[1]! + 1, isBadInput: false });
    expect(e.message).toContain(
      `the -wal is damaged: frame ${frame} of ${commitFrames(wal).at(-1)} fails its checksum`,
    );
    expect(e.message).toContain(`records are readable up to seq ${commits[1]}`);
    // Read-only: the log and its -wal are as they were (the -shm is SQLite's index, rebuilt).
    const after = logFileHashes(path);
    expect(after.log).toBe(damaged.log);
    expect(after['log-wal']).toBe(damaged['log-wal']);
    expect(before.log).toBe(after.log);
  });

  it('a damaged commit frame with the last transaction after it: damage', () => {
    const { path } = crashedLog();
    const commitsAt = commitFrames(readFileSync(`${path}-wal`));
    const frame = commitsAt.at(-2)!;
    flip(`${path}-wal`, 32 + (frame - 1) * FRAME + 24 + 7);
    expect(walDamage(`${path}-wal`)).toMatchObject({ frame, laterCommits: 1 });
    expect(openError(path).message).toContain('the -wal is damaged');
  });

  it('a damaged WAL header (SQLite ignores the whole -wal): damage, not "header missing"', () => {
    const { path } = crashedLog();
    flip(`${path}-wal`, 1);
    expect(walDamage(`${path}-wal`)).toMatchObject({ frame: 0 });
    expect(openError(path).message).toContain('its header is damaged, so SQLite ignores all');
  });

  it.each([
    ['not a page size (0)', 0],
    ['another valid page size (8192)', 8192],
    ['a smaller valid page size (2048)', 2048],
    ['65536 (stored as 1)', 1],
    ['not a power of two (4097)', 4097],
  ])(
    'a damaged page size field in the WAL header, %s: the frames are found under the real one (log review item 1)',
    (_name, field) => {
      const { path } = crashedLog();
      const wal = readFileSync(`${path}-wal`);
      wal.writeUInt32BE(field, 8);
      writeFileSync(`${path}-wal`, wal);
      const found = walDamage(`${path}-wal`);
      expect(found).toMatchObject({
        frame: 0,
        frames: (wal.length - 32 - ((wal.length - 32) % FRAME)) / FRAME,
      });
      expect(found!.laterCommits).toBeGreaterThan(0);
      expect(openError(path).message).toContain('its header is damaged, so SQLite ignores all');
    },
  );

  it('a damaged page size field with the main file checkpointed: named, not read as the checkpoint alone', () => {
    const { path, lastSeq: seq } = checkpointedCrash(tempDir(), 'crashed.log');
    expect(readFileSync(path).readUInt16BE(16)).toBe(4096);
    expect(lastSeq(path)).toBe(seq);
    const wal = readFileSync(`${path}-wal`);
    wal.writeUInt32BE(0x3000, 8); // one flipped bit: 4096 -> 12288, not a page size
    writeFileSync(`${path}-wal`, wal);
    const e = openError(path);
    expect(e.message).toContain('its header is damaged, so SQLite ignores all');
    expect(e.seq).toBeGreaterThan(1);
    expect(e.seq).toBeLessThan(seq);
  });

  it('a torn tail is still a torn tail: the last transaction cut short or damaged reads to the commit before it', () => {
    const { path, commits } = crashedLog();
    const wal = readFileSync(`${path}-wal`);
    const commitsAt = commitFrames(wal);
    const prevCommitEnd = 32 + commitsAt.at(-2)! * FRAME;
    // Cut inside the last transaction's frames (a writer killed while appending them).
    for (const cut of [prevCommitEnd + 10, prevCommitEnd + FRAME + 100, wal.length - 1]) {
      writeFileSync(`${path}-wal`, wal);
      truncateSync(`${path}-wal`, cut);
      expect(walDamage(`${path}-wal`), `cut at ${cut}`).toBeNull();
      expect(lastSeq(path)).toBe(commits.at(-2));
    }
    // The last transaction's own frames damaged (its commit frame, or one before it): nothing
    // after it vouches for it, so it reads as the unfinished transaction of a killed writer.
    for (const frame of [commitsAt.at(-1)!, commitsAt.at(-2)! + 1]) {
      writeFileSync(`${path}-wal`, wal);
      flip(`${path}-wal`, 32 + (frame - 1) * FRAME + 16);
      expect(walDamage(`${path}-wal`), `frame ${frame}`).toBeNull();
      expect(lastSeq(path)).toBe(commits.at(-2));
    }
  });
});
