import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const WAL_HEADER_BYTES = 32;
const FRAME_HEADER_BYTES = 24;
const WAL_MAGIC = 0x377f0682;
const WAL_VERSION = 3007000;
/** Frames read per readSync. */
const FRAMES_PER_READ = 64;
/** A Uint32Array reads words little-endian here (x86, arm64): the fast path of `checksum`. */
const NATIVE_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Committed data in a `-wal` that SQLite will not read: what `walDamage` found.
 * - `frame`: SQLite reads frames 1 to `frame - 1` and ignores the rest (0: the whole -wal, its
 *   header being damaged);
 * - `frames`: whole frames in the file;
 * - `laterCommits`: commit frames after it whose checksums link to the frame before them.
 */
export interface WalDamage {
  readonly frame: number;
  readonly frames: number;
  readonly laterCommits: number;
}

/**
 * Look for damage SQLite's WAL recovery takes for a torn tail. SQLite reads a `-wal`'s frames in
 * order while each one's cumulative checksum holds and stops at the first that fails, keeping every
 * transaction committed before it: right for the tail a killed writer leaves (it appends frames in
 * order, and only the last, unfinished transaction can be incomplete), silent data loss for one
 * damaged byte in the middle, which drops every commit after it. This scan tells the two apart by
 * what follows the first failing frame: frames of the same WAL generation (the header's salts)
 * whose checksums link each to the frame before it, with a commit frame that is itself followed by
 * such a frame. A writer only appends after a commit once that transaction's frames are complete
 * (written, and rewritten where SQLite rewrites a transaction's checksums at commit), so a failing
 * frame before that commit is damage, never a tear. Likewise a failing frame that is itself a
 * commit frame with a linked commit after it: a writer's unfinished transaction has a single commit
 * frame, its last. And a damaged WAL header (SQLite then ignores the whole -wal) with linked commit
 * frames after it: a writer writes the header before any frame. Returns null when the
 * -wal reads as SQLite reads it (or is empty, or changes under the scan: a live writer restarting
 * it). Only reads the file; the cost is one pass of checksums over it (a few ms per MB).
 *
 * Not detected (documented in docs/DECISIONS.md, replay item 10): damage inside the last committed
 * transaction of the -wal, which nothing after it vouches for; it reads as a torn tail.
 *
 * @example
 * walDamage('/tmp/crashed.log-wal'); // { frame: 9, frames: 2214, laterCommits: 1042 }
 */
export function walDamage(walPath: string): WalDamage | null {
  let fd: number;
  try {
    fd = openSync(walPath, 'r');
  } catch {
    return null;
  }
  try {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const before = readAt(fd, WAL_HEADER_BYTES, 0);
      if (before === null) return null;
      const found = scan(fd, before);
      const after = readAt(fd, WAL_HEADER_BYTES, 0);
      // A writer restarted the -wal during the scan: its frames were being overwritten.
      if (after !== null && Buffer.compare(before, after) === 0) return found;
    }
    return null;
  } finally {
    closeSync(fd);
  }
}

function readAt(fd: number, length: number, position: number): Buffer | null {
  const b = Buffer.alloc(length);
  let at = 0;
  while (at < length) {
    const n = readSync(fd, b, at, length - at, position + at);
    if (n === 0) return null;
    at += n;
  }
  return b;
}

/** SQLite's WAL checksum: over 32-bit words, in pairs, seeded with (s1, s2). */
function checksum(
  bytes: Buffer,
  start: number,
  end: number,
  littleEndian: boolean,
  seed: readonly [number, number],
): [number, number] {
  let [s1, s2] = seed;
  if (
    littleEndian &&
    NATIVE_LITTLE_ENDIAN &&
    (bytes.byteOffset + start) % 4 === 0 &&
    (end - start) % 8 === 0
  ) {
    // The common case (a little-endian writer): the words as they lie in memory, four times faster.
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset + start, (end - start) / 4);
    for (let i = 0; i < words.length; i += 2) {
      s1 = (s1 + (words[i] ?? 0) + s2) >>> 0;
      s2 = (s2 + (words[i + 1] ?? 0) + s1) >>> 0;
    }
    return [s1, s2];
  }
  for (let i = start; i < end; i += 8) {
    const x0 = littleEndian ? bytes.readUInt32LE(i) : bytes.readUInt32BE(i);
    const x1 = littleEndian ? bytes.readUInt32LE(i + 4) : bytes.readUInt32BE(i + 4);
    s1 = (s1 + x0 + s2) >>> 0;
    s2 = (s2 + x1 + s1) >>> 0;
  }
  return [s1, s2];
}

/** One frame's checksum from the checksum before it: over its first 8 header bytes and its page. */
function frameChecksum(
  buf: Buffer,
  at: number,
  pageSize: number,
  littleEndian: boolean,
  seed: readonly [number, number],
): [number, number] {
  const mid = checksum(buf, at, at + 8, littleEndian, seed);
  return checksum(buf, at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + pageSize, littleEndian, mid);
}

function scan(fd: number, header: Buffer): WalDamage | null {
  const size = fstatSync(fd).size;
  const magic = header.readUInt32BE(0);
  const pageSizeField = header.readUInt32BE(8);
  const pageSize = pageSizeField === 1 ? 65_536 : pageSizeField;
  const validPageSize = pageSize >= 512 && pageSize <= 65_536 && (pageSize & (pageSize - 1)) === 0;
  const magicOk = magic === WAL_MAGIC || magic === WAL_MAGIC + 1;
  const littleEndian = magic === WAL_MAGIC;
  const headerOk =
    magicOk &&
    header.readUInt32BE(4) === WAL_VERSION &&
    validPageSize &&
    sameChecksum(checksum(header, 0, 24, littleEndian, [0, 0]), header, 24);
  if (!validPageSize) return null; // without a page size there are no frames to look at
  const frameBytes = FRAME_HEADER_BYTES + pageSize;
  const frames = Math.floor((size - WAL_HEADER_BYTES) / frameBytes);
  if (frames <= 0) return null;
  const salts = headerOk ? header.subarray(16, 24) : null;
  // Both byte orders when the magic itself is damaged.
  const orders = magicOk ? [littleEndian] : [true, false];
  let worst: WalDamage | null = null;
  for (const order of orders) {
    const found = scanFrames(fd, frames, frameBytes, pageSize, order, salts, header);
    if (found !== null && (worst === null || found.laterCommits > worst.laterCommits)) worst = found;
  }
  return worst;
}

function sameChecksum(c: readonly [number, number], buf: Buffer, at: number): boolean {
  return c[0] === buf.readUInt32BE(at) && c[1] === buf.readUInt32BE(at + 4);
}

/**
 * Walk the frames as SQLite's recovery does (with a valid header: salts, and the cumulative checksum
 * from the header's) to the first that fails; then count the commit frames after it that link to
 * the frame before them (same salts, checksum seeded with that frame's stored one). With a valid
 * header, only such a commit that a later linked frame follows counts (the writer went on after
 * it); with a damaged header (`headerSalts` null: SQLite reads no frame at all), frame 1's salts are
 * the generation and any linked commit counts, since a writer writes the header before any frame.
 */
function scanFrames(
  fd: number,
  frames: number,
  frameBytes: number,
  pageSize: number,
  littleEndian: boolean,
  headerSalts: Buffer | null,
  header: Buffer,
): WalDamage | null {
  let salts: Buffer | null = headerSalts;
  let running: [number, number] = [header.readUInt32BE(24), header.readUInt32BE(28)];
  let firstBad = headerSalts === null ? 0 : -1;
  // The first bad frame is a commit frame of the generation (damaged: only the writer's last
  // transaction can be unfinished, and its commit frame is its last).
  let firstBadCommits = false;
  // After the first bad frame: the previous frame's stored checksum, whether it was of the
  // generation, and whether it was a linked commit not yet followed.
  let prevStored: [number, number] = [0, 0];
  let prevInGeneration = false;
  let pendingCommit = false;
  let linkedCommits = 0;
  let followedCommits = 0;
  for (let base = 0; base < frames; base += FRAMES_PER_READ) {
    const n = Math.min(FRAMES_PER_READ, frames - base);
    const chunk = readAt(fd, n * frameBytes, WAL_HEADER_BYTES + base * frameBytes);
    if (chunk === null) break;
    for (let i = 0; i < n; i += 1) {
      const at = i * frameBytes;
      const pgno = chunk.readUInt32BE(at);
      const commit = chunk.readUInt32BE(at + 4) !== 0;
      const frameSalts = chunk.subarray(at + 8, at + 16);
      const stored: [number, number] = [chunk.readUInt32BE(at + 16), chunk.readUInt32BE(at + 20)];
      if (firstBad < 0) {
        const ok =
          salts !== null &&
          pgno !== 0 &&
          frameSalts.equals(salts) &&
          sameChecksum(frameChecksum(chunk, at, pageSize, littleEndian, running), chunk, at + 16);
        if (ok) {
          running = stored;
          continue;
        }
        firstBad = base + i + 1;
        firstBadCommits = salts !== null && pgno !== 0 && commit && frameSalts.equals(salts);
      } else {
        salts ??= Buffer.from(frameSalts);
        const inGeneration = frameSalts.equals(salts);
        const links =
          prevInGeneration &&
          inGeneration &&
          pgno !== 0 &&
          sameChecksum(frameChecksum(chunk, at, pageSize, littleEndian, prevStored), chunk, at + 16);
        if (links && pendingCommit) followedCommits += 1;
        if (links && commit) linkedCommits += 1;
        pendingCommit = links && commit;
      }
      prevStored = stored;
      prevInGeneration = salts !== null && frameSalts.equals(salts);
    }
  }
  const lost = headerSalts === null || firstBadCommits ? linkedCommits : followedCommits;
  return firstBad >= 0 && lost > 0 ? { frame: firstBad, frames, laterCommits: linkedCommits } : null;
}
