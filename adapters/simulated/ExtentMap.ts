/**
 * A sorted map of disjoint half-open integer ranges [start, end) to values: the one data structure
 * behind host page ownership, guest GPA maps, VMA residency and access bits. Memory is proportional
 * to the number of runs, never to the number of pages, so a 1 TiB guest of 4 KiB pages costs what its
 * PFN runs cost.
 *
 * Extents live in blocks of at most `2 × blockMax` entries (a two-level B+-tree without the
 * ceremony): lookups are two binary searches and an update splices inside one block. A block keeps
 * its extents as three parallel arrays (starts, ends, values) rather than one object per extent: a
 * number array holds its numbers unboxed, so an extent costs three slots instead of an object with two
 * boxed doubles, and updates write in place instead of allocating (a 1 TiB guest with fragmented
 * backing is millions of extents; this is what keeps it inside 512 MiB, issue 3). `Extent` objects
 * are made only for callers (lookups, iteration) and are snapshots.
 */

export interface Extent<V> {
  readonly start: number;
  readonly end: number;
  readonly value: V;
}

/** How a value type behaves when an extent is cut or two extents meet. */
export interface ExtentCodec<V> {
  /** The value of the part of an extent that begins `offset` units after its start. */
  slice(value: V, offset: number): V;
  /** True when an extent of value `b` directly after one of value `a` and length `aLength` is the same run. */
  joins(a: V, aLength: number, b: V): boolean;
}

/**
 * A codec for values that do not depend on position (owners, flags): equal values join.
 *
 * @example
 * flatCodec((a: string, b: string) => a === b).joins('free', 3, 'free'); // true
 */
export function flatCodec<V>(equal: (a: V, b: V) => boolean): ExtentCodec<V> {
  return { slice: (v) => v, joins: (a, _len, b) => equal(a, b) };
}

/** One block: extent k is [s[k], e[k]) → v[k]. The three arrays always have the same length. */
interface Block<V> {
  s: number[];
  e: number[];
  v: V[];
}

const block = <V>(s: number[], e: number[], v: V[]): Block<V> => ({ s, e, v });

/**
 * The sorted map of disjoint half-open ranges this module's comment describes: setting a range splits
 * the extents it overlaps, and neighbours whose values the codec joins merge again.
 *
 * @example
 * const m = new ExtentMap<string>(flatCodec((a, b) => a === b));
 * m.set(0, 10, 'free'); m.set(4, 6, 'kernel'); m.size; // 3: [0,4) free, [4,6) kernel, [6,10) free
 */
export class ExtentMap<V> {
  readonly #blocks: Block<V>[] = [];
  #size = 0;

  /**
   * @example
   * const m = new ExtentMap<string>(flatCodec((a, b) => a === b));
   * m.set(0, 10, 'free');
   * m.set(4, 6, 'kernel'); // splits into [0,4) free, [4,6) kernel, [6,10) free
   */
  constructor(
    readonly codec: ExtentCodec<V>,
    readonly blockMax = 128,
  ) {}

  /** Number of extents. */
  get size(): number {
    return this.#size;
  }

  /** The extent containing `at`, or undefined. */
  get(at: number): Extent<V> | undefined {
    const [b, i] = this.#locate(at);
    const blk = this.#blocks[b];
    if (blk === undefined || i >= blk.s.length || (blk.s[i] ?? Infinity) > at) return undefined;
    return extentAt(blk, i);
  }

  /** The first extent that ends after `at` (the one containing `at`, or the next one). */
  ceiling(at: number): Extent<V> | undefined {
    const [b, i] = this.#locate(at);
    const blk = this.#blocks[b];
    return blk === undefined || i >= blk.s.length ? undefined : extentAt(blk, i);
  }

  /** Calls `fn` for every extent overlapping [lo, hi), in order; stop early by returning true. */
  forEachOverlap(lo: number, hi: number, fn: (e: Extent<V>) => boolean | undefined): void {
    let [b, i] = this.#locate(lo);
    const blocks = this.#blocks;
    for (let blk = blocks[b]; blk !== undefined; blk = blocks[++b]) {
      const n = blk.s.length;
      for (; i < n; i++) {
        if ((blk.s[i] ?? Infinity) >= hi) return;
        if (fn(extentAt(blk, i)) === true) return;
      }
      i = 0;
    }
  }

  /** True when some extent overlapping [lo, hi) satisfies `pred` (any extent when omitted). */
  any(lo: number, hi: number, pred?: (e: Extent<V>) => boolean): boolean {
    if (pred === undefined) {
      if (lo >= hi) return false;
      const [b, i] = this.#locate(lo);
      const blk = this.#blocks[b];
      return blk !== undefined && i < blk.s.length && (blk.s[i] ?? Infinity) < hi;
    }
    let found = false;
    this.forEachOverlap(lo, hi, (e) => {
      if (pred(e)) found = true;
      return found;
    });
    return found;
  }

  /** Units of [lo, hi) covered by extents (optionally only those satisfying `pred`). */
  covered(lo: number, hi: number, pred?: (e: Extent<V>) => boolean): number {
    let n = 0;
    if (pred === undefined) {
      let [b, i] = this.#locate(lo);
      const blocks = this.#blocks;
      for (let blk = blocks[b]; blk !== undefined; blk = blocks[++b]) {
        const len = blk.s.length;
        for (; i < len; i++) {
          const s = blk.s[i] ?? Infinity;
          if (s >= hi) return n;
          n += Math.min(blk.e[i] ?? 0, hi) - Math.max(s, lo);
        }
        i = 0;
      }
      return n;
    }
    this.forEachOverlap(lo, hi, (e) => {
      if (pred(e)) n += Math.min(e.end, hi) - Math.max(e.start, lo);
    });
    return n;
  }

  /** Map [lo, hi) to `value`, replacing whatever overlapped it. */
  set(lo: number, hi: number, value: V): void {
    checkRange(lo, hi);
    if (lo === hi) return;
    if (this.#extend(lo, hi, value)) return;
    if (this.#updateInside(lo, hi, () => value)) return;
    this.#replace(lo, hi, () => [{ start: lo, end: hi, value }]);
  }

  /** Remove every mapping inside [lo, hi), cutting extents that straddle the bounds. */
  clear(lo: number, hi: number): void {
    checkRange(lo, hi);
    if (lo === hi) return;
    this.#replace(lo, hi, () => []);
  }

  /**
   * Replace the value of every mapped part of [lo, hi): `fn` receives each overlapped piece clipped to
   * the range and returns its new value, or undefined to unmap it. Gaps stay gaps.
   */
  update(lo: number, hi: number, fn: (value: V, start: number, end: number) => V | undefined): void {
    checkRange(lo, hi);
    if (lo === hi) return;
    if (this.#updateInside(lo, hi, fn)) return;
    this.#replace(lo, hi, (overlapped) => {
      const pieces: Extent<V>[] = [];
      for (const e of overlapped) {
        const s = Math.max(e.start, lo);
        const en = Math.min(e.end, hi);
        const v = fn(s === e.start ? e.value : this.codec.slice(e.value, s - e.start), s, en);
        if (v !== undefined) pieces.push({ start: s, end: en, value: v });
      }
      return pieces;
    });
  }

  /**
   * Replace the contents with `extents` in one pass (restoring a snapshot): they must be in order,
   * disjoint, non-empty and merged wherever the codec joins them, else this throws (a broken
   * invariant: snapshot readers check that first and name the offending value).
   *
   * @example
   * m.load([{ start: 0, end: 4, value: 'free' }, { start: 8, end: 9, value: 'kernel' }]);
   */
  load(extents: readonly Extent<V>[]): void {
    this.clearAll();
    for (let at = 0; at < extents.length; at += this.blockMax) {
      const part = extents.slice(at, at + this.blockMax);
      this.#blocks.push(
        block(
          part.map((x) => x.start),
          part.map((x) => x.end),
          part.map((x) => x.value),
        ),
      );
    }
    this.#size = extents.length;
    this.check('ExtentMap.load');
  }

  /** Remove everything. */
  clearAll(): void {
    this.#blocks.length = 0;
    this.#size = 0;
  }

  *[Symbol.iterator](): IterableIterator<Extent<V>> {
    for (const blk of this.#blocks) for (let i = 0; i < blk.s.length; i++) yield extentAt(blk, i);
  }

  /** Throws naming the first broken invariant: order, overlap, empty extents, unmerged neighbours. */
  check(name: string): void {
    let prev: Extent<V> | undefined;
    let n = 0;
    for (const blk of this.#blocks) {
      if (blk.s.length === 0) throw new Error(`${name}: empty block`);
      if (blk.e.length !== blk.s.length || blk.v.length !== blk.s.length)
        throw new Error(`${name}: block arrays of different lengths`);
      for (let i = 0; i < blk.s.length; i++) {
        const e = extentAt(blk, i);
        n++;
        if (!(e.start < e.end)) throw new Error(`${name}: empty extent [${e.start}, ${e.end})`);
        if (prev !== undefined) {
          if (e.start < prev.end)
            throw new Error(`${name}: [${e.start}, ${e.end}) overlaps [${prev.start}, ${prev.end})`);
          if (e.start === prev.end && this.codec.joins(prev.value, prev.end - prev.start, e.value))
            throw new Error(`${name}: [${prev.start}, ${prev.end}) and [${e.start}, ${e.end}) not merged`);
        }
        prev = e;
      }
    }
    if (n !== this.#size) throw new Error(`${name}: size ${this.#size} but ${n} extents`);
  }

  /** Position [block, index] of the first extent whose end is greater than `key`. */
  #locate(key: number): [number, number] {
    const blocks = this.#blocks;
    let lo = 0;
    let hi = blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const ends = blocks[mid]?.e ?? [];
      if ((ends[ends.length - 1] ?? -1) > key) hi = mid;
      else lo = mid + 1;
    }
    const blk = blocks[lo];
    if (blk === undefined) return [lo, 0];
    const ends = blk.e;
    let a = 0;
    let z = ends.length - 1;
    while (a < z) {
      const mid = (a + z) >>> 1;
      if ((ends[mid] ?? -1) > key) z = mid;
      else a = mid + 1;
    }
    return [lo, a];
  }

  /** The position just before [b, i] (possibly in the previous block), or undefined at the start. */
  #before(b: number, i: number): [Block<V>, number] | undefined {
    if (i > 0) {
      const blk = this.#blocks[b];
      return blk === undefined ? undefined : [blk, i - 1];
    }
    const prev = this.#blocks[b - 1];
    return prev === undefined ? undefined : [prev, prev.s.length - 1];
  }

  /**
   * Fast path of `update` and `set` when [lo, hi) lies inside one extent, the common shape (a page
   * retagged, a boundary moved by sequential work): `fn` runs once, on that piece, and the extent is
   * cut, shifted or left as it is in place, in its block, with no Extent objects. Merging is decided
   * here against the remnants and, where the piece touches the extent's end, the neighbour there (the
   * extent itself never joined its neighbours). False when [lo, hi) is not inside one extent (nothing
   * changed then, `fn` not called).
   */
  #updateInside(
    lo: number,
    hi: number,
    fn: (value: V, start: number, end: number) => V | undefined,
  ): boolean {
    const [b, i] = this.#locate(lo);
    const blk = this.#blocks[b];
    if (blk === undefined || i >= blk.s.length) return false;
    const eStart = blk.s[i] ?? 0;
    const eEnd = blk.e[i] ?? 0;
    if (eStart > lo || hi > eEnd) return false;
    const codec = this.codec;
    const eValue = blk.v[i] as V;
    const v = fn(lo === eStart ? eValue : codec.slice(eValue, lo - eStart), lo, hi);
    // The remnant after the piece (its value), when there is one.
    const rest = hi < eEnd ? codec.slice(eValue, hi - eStart) : undefined;
    if (v === undefined) {
      if (lo === eStart && hi === eEnd) this.#spliceAt(b, i, 1, []);
      else if (lo === eStart) {
        blk.s[i] = hi;
        blk.v[i] = rest as V;
      } else if (hi === eEnd) blk.e[i] = lo;
      else {
        blk.e[i] = lo;
        this.#insertAfter(b, i, hi, eEnd, rest as V);
      }
      return true;
    }
    if (lo > eStart && hi < eEnd) {
      const left = codec.joins(eValue, lo - eStart, v);
      const right = codec.joins(v, hi - lo, rest as V);
      if (left && right) return true;
      if (left) {
        blk.e[i] = hi;
        this.#insertAfter(b, i, hi, eEnd, rest as V);
      } else if (right) {
        blk.e[i] = lo;
        this.#insertAfter(b, i, lo, eEnd, v);
      } else {
        blk.e[i] = lo;
        blk.s.splice(i + 1, 0, lo, hi);
        blk.e.splice(i + 1, 0, hi, eEnd);
        blk.v.splice(i + 1, 0, v, rest as V);
        this.#size += 2;
        this.#normalize(b);
      }
      return true;
    }
    if (lo === eStart && hi === eEnd) {
      blk.v[i] = v;
      this.#mergeAt(hi);
      this.#mergeAt(lo);
      return true;
    }
    if (lo === eStart) {
      // hi < eEnd: the piece starts the extent.
      const [pBlk, pi] = this.#before(b, i) ?? [undefined, 0];
      if (pBlk?.e[pi] === lo && codec.joins(pBlk.v[pi] as V, lo - (pBlk.s[pi] ?? 0), v)) {
        pBlk.e[pi] = hi;
        blk.s[i] = hi;
        blk.v[i] = rest as V;
      } else if (codec.joins(v, hi - lo, rest as V)) blk.v[i] = v;
      else {
        blk.e[i] = hi;
        blk.v[i] = v;
        this.#insertAfter(b, i, hi, eEnd, rest as V);
      }
      return true;
    }
    // hi === eEnd, lo > eStart: the piece ends the extent.
    const nb = i + 1 < blk.s.length ? b : b + 1;
    const ni = i + 1 < blk.s.length ? i + 1 : 0;
    const next = this.#blocks[nb];
    if (
      next !== undefined &&
      ni < next.s.length &&
      next.s[ni] === hi &&
      codec.joins(v, hi - lo, next.v[ni] as V)
    ) {
      blk.e[i] = lo;
      next.s[ni] = lo;
      next.v[ni] = v;
    } else if (!codec.joins(eValue, lo - eStart, v)) {
      blk.e[i] = lo;
      this.#insertAfter(b, i, lo, hi, v);
    }
    return true;
  }

  /** Insert the extent [start, end) → value right after position [b, i] of that block. */
  #insertAfter(b: number, i: number, start: number, end: number, value: V): void {
    const blk = this.#blocks[b];
    if (blk === undefined) throw new Error(`ExtentMap: block ${b} missing`);
    blk.s.splice(i + 1, 0, start);
    blk.e.splice(i + 1, 0, end);
    blk.v.splice(i + 1, 0, value);
    this.#size += 1;
    this.#normalize(b);
  }

  /**
   * Fast path of `set` (sequential mapping): [lo, hi) overlaps nothing, directly follows an extent it
   * joins, and does not touch the next one. Extends that extent in place; false when not applicable.
   */
  #extend(lo: number, hi: number, value: V): boolean {
    const [b, i] = this.#locate(lo);
    const blk = this.#blocks[b];
    if (blk !== undefined && i < blk.s.length && (blk.s[i] ?? 0) <= hi) return false;
    const p = this.#before(b, i);
    if (p === undefined) return false;
    const [pBlk, pi] = p;
    if (pBlk.e[pi] !== lo || !this.codec.joins(pBlk.v[pi] as V, lo - (pBlk.s[pi] ?? 0), value)) return false;
    pBlk.e[pi] = hi;
    return true;
  }

  /**
   * Replace the extents overlapping [lo, hi) with the remnants outside the range plus `inner(overlapped)`
   * (which must lie inside the range, in order), then merge at the outer boundaries.
   */
  #replace(lo: number, hi: number, inner: (overlapped: Extent<V>[]) => Extent<V>[]): void {
    const [bi, ii] = this.#locate(lo);
    const overlapped: Extent<V>[] = [];
    let b = bi;
    let i = ii;
    const blocks = this.#blocks;
    for (let blk = blocks[b]; blk !== undefined;) {
      if (i >= blk.s.length || (blk.s[i] ?? Infinity) >= hi) break;
      overlapped.push(extentAt(blk, i));
      i++;
      if (i >= blk.s.length) {
        blk = blocks[++b];
        i = 0;
      }
    }
    const out: Extent<V>[] = [];
    const push = (e: Extent<V>): void => {
      const last = out[out.length - 1];
      if (last?.end === e.start && this.codec.joins(last.value, last.end - last.start, e.value)) {
        out[out.length - 1] = { start: last.start, end: e.end, value: last.value };
      } else out.push(e);
    };
    const first = overlapped[0];
    const last = overlapped[overlapped.length - 1];
    if (first !== undefined && first.start < lo) push({ start: first.start, end: lo, value: first.value });
    for (const e of inner(overlapped)) push(e);
    if (last !== undefined && last.end > hi)
      push({ start: hi, end: last.end, value: this.codec.slice(last.value, hi - last.start) });
    this.#spliceAt(bi, ii, overlapped.length, out);
    const head = out[0];
    const tail = out[out.length - 1];
    if (head !== undefined && tail !== undefined) {
      this.#mergeAt(tail.end);
      this.#mergeAt(head.start);
    }
  }

  /** Merge the extent ending at `key` with the one starting there, when they join. */
  #mergeAt(key: number): void {
    const [b, i] = this.#locate(key);
    const blk = this.#blocks[b];
    if (blk === undefined || i >= blk.s.length || blk.s[i] !== key) return;
    const p = this.#before(b, i);
    if (p === undefined) return;
    const [pBlk, pi] = p;
    const lStart = pBlk.s[pi] ?? 0;
    const lValue = pBlk.v[pi] as V;
    if (pBlk.e[pi] !== key || !this.codec.joins(lValue, key - lStart, blk.v[i] as V)) return;
    const rEnd = blk.e[i] ?? 0;
    const pb = pBlk === blk ? b : b - 1;
    this.#spliceAt(pb, pi, 2, [{ start: lStart, end: rEnd, value: lValue }]);
  }

  /** Remove `count` extents from position [bi, ii] (possibly across blocks) and insert `items` there. */
  #spliceAt(bi: number, ii: number, count: number, items: Extent<V>[]): void {
    const blocks = this.#blocks;
    this.#size += items.length - count;
    if (bi === blocks.length) {
      if (items.length === 0) return;
      const lastBlk = blocks[blocks.length - 1];
      if (lastBlk !== undefined && lastBlk.s.length + items.length <= this.blockMax * 2) {
        for (const e of items) {
          lastBlk.s.push(e.start);
          lastBlk.e.push(e.end);
          lastBlk.v.push(e.value);
        }
        this.#normalize(blocks.length - 1);
      } else {
        blocks.push(
          block(
            items.map((e) => e.start),
            items.map((e) => e.end),
            items.map((e) => e.value),
          ),
        );
        this.#normalize(blocks.length - 1);
      }
      return;
    }
    const blk = blocks[bi];
    if (blk === undefined) throw new Error(`ExtentMap: block ${bi} missing`);
    if (count === items.length && ii + count <= blk.s.length) {
      let k = ii;
      for (const it of items) {
        blk.s[k] = it.start;
        blk.e[k] = it.end;
        blk.v[k] = it.value;
        k++;
      }
      return;
    }
    const inBlock = Math.min(count, blk.s.length - ii);
    let rest = count - inBlock;
    const after = bi + 1;
    while (rest > 0) {
      const next = blocks[after];
      if (next === undefined) throw new Error('ExtentMap: splice past the end');
      if (next.s.length <= rest) {
        rest -= next.s.length;
        blocks.splice(after, 1);
      } else {
        next.s.splice(0, rest);
        next.e.splice(0, rest);
        next.v.splice(0, rest);
        rest = 0;
      }
    }
    if (items.length <= 2) {
      // The common shapes (a cut, a merge, a split in two) without building argument arrays.
      const a = items[0];
      const b = items[1];
      if (a === undefined) {
        blk.s.splice(ii, inBlock);
        blk.e.splice(ii, inBlock);
        blk.v.splice(ii, inBlock);
      } else if (b === undefined) {
        blk.s.splice(ii, inBlock, a.start);
        blk.e.splice(ii, inBlock, a.end);
        blk.v.splice(ii, inBlock, a.value);
      } else {
        blk.s.splice(ii, inBlock, a.start, b.start);
        blk.e.splice(ii, inBlock, a.end, b.end);
        blk.v.splice(ii, inBlock, a.value, b.value);
      }
      this.#normalize(bi);
      return;
    }
    const starts = items.map((e) => e.start);
    const ends = items.map((e) => e.end);
    const values = items.map((e) => e.value);
    if (items.length <= 1024) {
      blk.s.splice(ii, inBlock, ...starts);
      blk.e.splice(ii, inBlock, ...ends);
      blk.v.splice(ii, inBlock, ...values);
    } else {
      blk.s = blk.s.slice(0, ii).concat(starts, blk.s.slice(ii + inBlock));
      blk.e = blk.e.slice(0, ii).concat(ends, blk.e.slice(ii + inBlock));
      blk.v = blk.v.slice(0, ii).concat(values, blk.v.slice(ii + inBlock));
    }
    this.#normalize(bi);
  }

  /** Drop an empty block or split an oversized one. */
  #normalize(bi: number): void {
    const blocks = this.#blocks;
    const blk = blocks[bi];
    if (blk === undefined) return;
    const n = blk.s.length;
    if (n === 0) {
      blocks.splice(bi, 1);
      return;
    }
    if (n > this.blockMax * 2) {
      // The first part keeps the block's arrays (truncated in place): a map built by appending copies
      // each extent once more, not twice, and leaves less garbage behind.
      const parts: Block<V>[] = [];
      for (let s = this.blockMax; s < n; s += this.blockMax) {
        const z = s + this.blockMax;
        parts.push(block(blk.s.slice(s, z), blk.e.slice(s, z), blk.v.slice(s, z)));
      }
      blk.s.length = this.blockMax;
      blk.e.length = this.blockMax;
      blk.v.length = this.blockMax;
      blocks.splice(bi + 1, 0, ...parts);
    }
  }
}

function extentAt<V>(blk: Block<V>, i: number): Extent<V> {
  return { start: blk.s[i] ?? 0, end: blk.e[i] ?? 0, value: blk.v[i] as V };
}

function checkRange(lo: number, hi: number): void {
  if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || lo < 0 || hi < lo) {
    throw new RangeError(`extent range [${lo}, ${hi}) is not a range of non-negative safe integers`);
  }
}
