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
 * frames after it: a writer writes the header before any frame. A damaged header's page size field
 * cannot be trusted (the header's checksum covers it), so the frames are then looked at under every
 * page size SQLite allows (the header's and the main file's first), and the one under which the most
 * commits link is taken: under a wrong one no frame links.
 *
 * A live writer (docs/DECISIONS.md, replay item 12): the scan covers the frames present when it
 * starts, and damage counts only when a second scan finds it again at the same frame, with the same
 * bytes, under an unchanged WAL header.
 * The scan reads the file in pieces while the writer appends, and a writer that restarted the -wal
 * overwrites its frames from the start: a frame read before the writer reached it, and frames read
 * after it that link, look like damage once; a frame the writer has completed or overwritten since
 * reads differently the second time. Returns null when the -wal reads as SQLite reads it (or is
 * empty, or keeps changing under the scan). Only reads the file; the cost is one pass of checksums
 * over it (a few ms per MB), two when it finds damage.
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
    const mainPage = walPath.endsWith('-wal') ? mainPageSize(walPath.slice(0, -4)) : null;
    for (let attempt = 0; attempt < SCAN_ATTEMPTS; attempt += 1) {
      const header = readAt(fd, WAL_HEADER_BYTES, 0);
      if (header === null) return null;
      const found = scan(fd, header, mainPage);
      // A writer restarted the -wal during the scan: its frames were being overwritten.
      if (!headerStill(fd, header)) continue;
      if (found === null) return null;
      const again = scan(fd, header, mainPage);
      if (!headerStill(fd, header)) continue;
      if (again === null) return null;
      if (again.frame === found.frame && again.badBytes.equals(found.badBytes))
        return { frame: again.frame, frames: again.frames, laterCommits: again.laterCommits };
    }
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Scans of a -wal that keeps changing under them before `walDamage` gives no verdict. */
const SCAN_ATTEMPTS = 4;

/** The -wal's header is still `header` (no writer restarted it). */
function headerStill(fd: number, header: Buffer): boolean {
  const now = readAt(fd, WAL_HEADER_BYTES, 0);
  return now?.equals(header) === true;
}

/** The page size the main database file's header declares (offset 16, big-endian), or null. */
function mainPageSize(path: string): number | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const field = readAt(fd, 2, 16)?.readUInt16BE(0);
    if (field === undefined) return null;
    const size = field === 1 ? 65_536 : field;
    return isPageSize(size) ? size : null;
  } finally {
    closeSync(fd);
  }
}

/** A page size SQLite allows: a power of two from 512 to 65536. */
function isPageSize(n: number): boolean {
  return n >= PAGE_SIZE_MIN && n <= PAGE_SIZE_MAX && (n & (n - 1)) === 0;
}

const PAGE_SIZE_MIN = 512;
const PAGE_SIZE_MAX = 65_536;

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

/** What one scan found: the damage, and the failing frame's bytes (the header's when it is frame 0). */
interface Found extends WalDamage {
  readonly badBytes: Buffer;
}

function scan(fd: number, header: Buffer, mainPage: number | null): Found | null {
  const size = fstatSync(fd).size;
  const magic = header.readUInt32BE(0);
  const pageSizeField = header.readUInt32BE(8);
  const pageSize = pageSizeField === 1 ? 65_536 : pageSizeField;
  const magicOk = magic === WAL_MAGIC || magic === WAL_MAGIC + 1;
  const littleEndian = magic === WAL_MAGIC;
  const headerOk =
    magicOk &&
    header.readUInt32BE(4) === WAL_VERSION &&
    isPageSize(pageSize) &&
    sameChecksum(checksum(header, 0, 24, littleEndian, [0, 0]), header, 24);
  if (headerOk) return scanFrames(fd, size, pageSize, littleEndian, header.subarray(16, 24), header);
  // A damaged header: its page size may be the damage. Every page size SQLite allows, the one the
  // header says and the main file's first; under a wrong one, no frame links to another.
  const sizes = new Set<number>();
  for (const s of [pageSize, mainPage ?? 0]) if (isPageSize(s)) sizes.add(s);
  for (let s = PAGE_SIZE_MIN; s <= PAGE_SIZE_MAX; s *= 2) sizes.add(s);
  // Both byte orders when the magic itself is damaged.
  const orders = magicOk ? [littleEndian] : [true, false];
  let worst: Found | null = null;
  for (const s of sizes)
    for (const order of orders) {
      const found = scanFrames(fd, size, s, order, null, header);
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
  size: number,
  pageSize: number,
  littleEndian: boolean,
  headerSalts: Buffer | null,
  header: Buffer,
): Found | null {
  const frameBytes = FRAME_HEADER_BYTES + pageSize;
  const frames = Math.floor((size - WAL_HEADER_BYTES) / frameBytes);
  if (frames <= 0) return null;
  let salts: Buffer | null = headerSalts;
  let running: [number, number] = [header.readUInt32BE(24), header.readUInt32BE(28)];
  let firstBad = headerSalts === null ? 0 : -1;
  let badBytes = Buffer.from(header);
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
        badBytes = Buffer.from(chunk.subarray(at, at + frameBytes));
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
  return firstBad >= 0 && lost > 0
    ? { frame: firstBad, frames, laterCommits: linkedCommits, badBytes }
    : null;
}
