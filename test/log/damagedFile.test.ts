import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { exportLines } from '../../src/log/exportLog.js';
import { LogError, printableText } from '../../src/log/LogError.js';
import { openLog } from '../../src/log/LogReader.js';
import { LogWriter } from '../../src/log/LogWriter.js';
import { checkpointedCrash } from './checkpointedCrash.js';
import { sampleRecord } from './sampleRecords.js';
import { fileHash, testHeader, useTempDir } from './tempDir.js';
import { tamper } from './tamper.js';

const tempDir = useTempDir();
const COUNT = 100;
const PAGE = 4096;

/** A closed log of COUNT sample records (every kind, page-sized hypercalls among them). */
function makeLog(): string {
  const path = join(tempDir(), 'run.log');
  const w = LogWriter.create(path, testHeader);
  for (let seq = 1; seq <= COUNT; seq += 1) {
    w.append(sampleRecord(seq));
    if (seq % 5 === 0) w.commit();
  }
  w.close();
  return path;
}

/** What reading the whole log ends with: the LogError (from opening, or from verify), never another error. */
function failure(path: string): LogError {
  let log;
  try {
    log = openLog(path);
  } catch (e) {
    expect(e).toBeInstanceOf(LogError);
    return e as LogError;
  }
  const v = log.verify();
  log.close();
  expect(v.ok, 'the damage went unnoticed').toBe(false);
  return v.error!;
}

/** A copy of `bytes` at a new path in the same directory as `original`. */
function copyOf(original: string, name: string, bytes: Uint8Array): string {
  const path = join(original, '..', name);
  writeFileSync(path, bytes);
  return path;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

describe('a damaged file gets a clear error, never a raw SQLite error, a stack trace or a huge allocation (review item 6)', () => {
  it('a cut inside a page is called truncated, naming the first seq lost, at any length (review item 7b)', () => {
    const original = makeLog();
    const bytes = readFileSync(original);
    expect(bytes.length % PAGE).toBe(0);
    const pages = bytes.length / PAGE;
    let lastStop = COUNT + 1;
    let named = 0;
    // Cuts from inside the last page back through the file, never on a page boundary.
    for (let cut = bytes.length - 1; cut > PAGE * 3; cut -= 2_999) {
      if (cut % PAGE === 0) continue;
      const path = copyOf(original, `cut-${cut}.log`, bytes.subarray(0, cut));
      const e = failure(path);
      expect(e.problem, `${cut}: ${e.message}`).toBe('truncated');
      expect(e.message).toContain(
        `the file is truncated: ${cut} bytes of the ${pages * PAGE} its SQLite header declares (it ends inside a ${PAGE}-byte page)`,
      );
      expect(e.message).not.toMatch(CONTROL);
      // Less file, never more readable records; once the header's pages are gone, none at all.
      const stop = e.seq ?? 0;
      expect(stop).toBeLessThanOrEqual(lastStop);
      lastStop = stop;
      if (e.seq !== null) named += 1;
      if (e.seq !== null)
        expect(e.message).toMatch(/; (records are readable up to seq \d+|no record is readable)$/);
      expect(readFileSync(path)).toHaveLength(cut); // only read
    }
    expect(named).toBeGreaterThan(10);
  });

  it('the records reported readable are the ones that verify: a 1-byte cut never yields a zero-filled record', () => {
    const original = makeLog();
    const bytes = readFileSync(original);
    const path = copyOf(original, 'cut1.log', bytes.subarray(0, bytes.length - 1));
    const e = failure(path);
    expect(e.problem).toBe('truncated');
    const readable = Number(/readable up to seq (\d+)$/.exec(e.message)?.[1]);
    // The records up to there are the original ones: their chain verifies on the intact file.
    const log = openLog(original);
    const seqs = [...log.records()].map((r) => r.seq);
    log.close();
    expect(seqs.slice(0, readable)).toEqual(Array.from({ length: readable }, (_, i) => i + 1));
  });

  it('a flipped page-count field on an intact file: the header field is named, not a truncation (review item 7a)', () => {
    const original = makeLog();
    const bytes = readFileSync(original);
    const pages = bytes.readUInt32BE(28);
    for (const [at, xor] of [
      [31, 0x40],
      [29, 0x01],
      [28, 0x01],
      [28, 0x80], // 2^31 more pages: reading must not try to allocate them
    ] as const) {
      const flipped = Buffer.from(bytes);
      flipped[at] = flipped[at]! ^ xor;
      const path = copyOf(original, `pc-${at}-${xor}.log`, flipped);
      const e = failure(path);
      expect(e.problem, e.message).toBe('storage');
      expect(e.message).toContain(
        `its SQLite header declares ${flipped.readUInt32BE(28)} pages of ${PAGE} bytes (page count at offset 28), but the file's ${pages} pages are complete and consistent`,
      );
      expect(e.message).not.toContain('truncated');
      expect(fileHash(path)).toBe(fileHash(copyOf(original, `pc-${at}-${xor}.ref`, flipped)));
    }
  });

  it('a flipped page-size field: the field is named, not a truncation', () => {
    const original = makeLog();
    const bytes = readFileSync(original);
    for (const [at, xor] of [
      [16, 0x01],
      [17, 0x10],
    ] as const) {
      const flipped = Buffer.from(bytes);
      flipped[at] = flipped[at]! ^ xor;
      const e = failure(copyOf(original, `ps-${at}.log`, flipped));
      expect(e.problem, e.message).toBe('storage');
      expect(e.message).toContain("its SQLite header's page size field (offset 16) reads");
    }
  });

  it('a damaged header-table page: a LogError naming the damage, not "database disk image is malformed" thrown raw (review item 6)', () => {
    const original = makeLog();
    const db = new DatabaseSync(original, { readOnly: true });
    const root = db.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 'header'").get()!
      .rootpage as number;
    db.close();
    const bytes = readFileSync(original);
    const flipped = Buffer.from(bytes);
    // The page's b-tree header: its type byte and cell count.
    const page = (root - 1) * PAGE;
    flipped[page] = 0x6b;
    flipped[page + 3] = flipped[page + 3]! ^ 0x6b;
    const e = failure(copyOf(original, 'hdrpage.log', flipped));
    expect(e.message).toMatch(/run\.log|hdrpage\.log/);
    expect(e.isBadInput).toBe(false);
    expect(e.seq).toBeNull();
  });

  it('SQLite quick_check problems are one printable line', () => {
    const original = makeLog();
    const flipped = Buffer.from(readFileSync(original));
    flipped[52] = flipped[52]! ^ 0xff; // largest root b-tree page (auto-vacuum): quick_check lists many lines
    const e = failure(copyOf(original, 'qc.log', flipped));
    expect(e.message).toMatch(/SQLite quick_check: /);
    expect(e.message).not.toMatch(CONTROL);
  });

  it('a stored checksum with control bytes in it is quoted printably (review item 7b: "stored 8b1b…\\0")', () => {
    const path = makeLog();
    tamper(path, 'UPDATE records SET checksum = ? WHERE seq = 20', '8b1b62e6b0a3ddb\u0000');
    const e = failure(path);
    expect(e).toMatchObject({ seq: 20, problem: 'checksum' });
    expect(e.message).toContain('stored 8b1b62e6b0a3ddb\\x00');
    expect(e.message).not.toMatch(CONTROL);
  });

  it('printableText escapes control characters only', () => {
    expect(printableText('ok: seq 1')).toBe('ok: seq 1');
    expect(printableText('a\u0000b\nc\u007f\u009bé')).toBe('a\\x00b\\x0ac\\x7f\\x9bé');
  });

  it('an unsupported format version is bad input (exit 2), not damage (CLI review item 12)', () => {
    const path = makeLog();
    tamper(path, 'UPDATE header SET format_version = 2');
    const e = failure(path);
    expect(e).toMatchObject({ problem: 'header-version', isBadInput: true });
    expect(e.message).toContain('header: format version 2 is not supported (this build reads format 1)');
  });
});

describe('a crashed log whose main file was cut short (a partial copy) exports what reads (log review item 5)', () => {
  it('the header line, the readable records, then a damage line naming the first seq that does not read', () => {
    const dir = tempDir();
    // What a copy taken while the writer runs, cut short, leaves: half the main file, the whole -wal.
    const { path, lastSeq: seq } = checkpointedCrash(dir, 'cut.log');
    truncateSync(path, Math.floor(statSync(path).size / PAGE / 2) * PAGE);
    const log = openLog(path);
    // The counts read every page: they fail, where the last seq alone still reads.
    expect(() => log.stats()).toThrow(LogError);
    expect(log.lastStoredSeq()).toBe(seq);
    const lines: string[] = [];
    let thrown: unknown = null;
    try {
      for (const line of exportLines(log)) lines.push(line);
    } catch (e) {
      thrown = e;
    }
    const verdict = log.verify();
    log.close();
    expect(thrown).toBeInstanceOf(LogError);
    const stop = (thrown as LogError).seq!;
    expect(stop).toBeGreaterThan(1);
    expect(verdict.lastGoodSeq).toBe(stop - 1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ format: 'mshv-control-log', unclosedLastSeq: seq });
    expect(lines.slice(1, -1).map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual(
      Array.from({ length: stop - 1 }, (_, i) => i + 1),
    );
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ damaged: true, seq: stop });
  });
});
