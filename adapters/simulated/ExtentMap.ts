/**
 * A sorted map of disjoint half-open integer ranges [start, end) to values: the one data structure
 * behind host page ownership, guest GPA maps, VMA residency and access bits. Memory is proportional
 * to the number of runs, never to the number of pages, so a 1 TiB guest of 4 KiB pages costs what its
 * PFN runs cost.
 *
 * Extents live in blocks of at most `2 × blockMax` entries (a two-level B+-tree without the
 * ceremony): lookups are two binary searches and an update splices inside one block.
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

/** A codec for values that do not depend on position (owners, flags): equal values join. */
export function flatCodec<V>(equal: (a: V, b: V) => boolean): ExtentCodec<V> {
  return { slice: (v) => v, joins: (a, _len, b) => equal(a, b) };
}

export class ExtentMap<V> {
  readonly #blocks: Extent<V>[][] = [];
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
    const e = this.#blocks[b]?.[i];
    return e !== undefined && e.start <= at ? e : undefined;
  }

  /** The first extent that ends after `at` (the one containing `at`, or the next one). */
  ceiling(at: number): Extent<V> | undefined {
    const [b, i] = this.#locate(at);
    return this.#blocks[b]?.[i];
  }

  /** Calls `fn` for every extent overlapping [lo, hi), in order; stop early by returning true. */
  forEachOverlap(lo: number, hi: number, fn: (e: Extent<V>) => boolean | undefined): void {
    let [b, i] = this.#locate(lo);
    const blocks = this.#blocks;
    for (let block = blocks[b]; block !== undefined; block = blocks[++b]) {
      for (let e = block[i]; e !== undefined; e = block[++i]) {
        if (e.start >= hi) return;
        if (fn(e) === true) return;
      }
      i = 0;
    }
  }

  /** True when some extent overlapping [lo, hi) satisfies `pred` (any extent when omitted). */
  any(lo: number, hi: number, pred?: (e: Extent<V>) => boolean): boolean {
    let found = false;
    this.forEachOverlap(lo, hi, (e) => {
      if (pred === undefined || pred(e)) found = true;
      return found;
    });
    return found;
  }

  /** Units of [lo, hi) covered by extents (optionally only those satisfying `pred`). */
  covered(lo: number, hi: number, pred?: (e: Extent<V>) => boolean): number {
    let n = 0;
    this.forEachOverlap(lo, hi, (e) => {
      if (pred === undefined || pred(e)) n += Math.min(e.end, hi) - Math.max(e.start, lo);
    });
    return n;
  }

  /** Map [lo, hi) to `value`, replacing whatever overlapped it. */
  set(lo: number, hi: number, value: V): void {
    checkRange(lo, hi);
    if (lo === hi) return;
    if (this.#extend(lo, hi, value)) return;
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
    if (this.#shiftBoundary(lo, hi, fn)) return;
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
    for (let s = 0; s < extents.length; s += this.blockMax)
      this.#blocks.push(extents.slice(s, s + this.blockMax));
    this.#size = extents.length;
    this.check('ExtentMap.load');
  }

  /** Remove everything. */
  clearAll(): void {
    this.#blocks.length = 0;
    this.#size = 0;
  }

  *[Symbol.iterator](): IterableIterator<Extent<V>> {
    for (const block of this.#blocks) yield* block;
  }

  /** Throws naming the first broken invariant: order, overlap, empty extents, unmerged neighbours. */
  check(name: string): void {
    let prev: Extent<V> | undefined;
    let n = 0;
    for (const block of this.#blocks) {
      if (block.length === 0) throw new Error(`${name}: empty block`);
      for (const e of block) {
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
      const block = blocks[mid] ?? [];
      if ((block[block.length - 1]?.end ?? -1) > key) hi = mid;
      else lo = mid + 1;
    }
    const block = blocks[lo];
    if (block === undefined) return [lo, 0];
    let a = 0;
    let z = block.length - 1;
    while (a < z) {
      const mid = (a + z) >>> 1;
      if ((block[mid]?.end ?? -1) > key) z = mid;
      else a = mid + 1;
    }
    return [lo, a];
  }

  /**
   * Fast path of `update` for sequential work: [lo, hi) lies inside one extent, touches one of its
   * ends, and the new value joins the neighbour on that side. The boundary between the two moves; no
   * extent is added or removed. False when not applicable (nothing changed then).
   */
  #shiftBoundary(
    lo: number,
    hi: number,
    fn: (value: V, start: number, end: number) => V | undefined,
  ): boolean {
    const [b, i] = this.#locate(lo);
    const blocks = this.#blocks;
    const block = blocks[b];
    const e = block?.[i];
    if (block === undefined || e === undefined || e.start > lo || hi > e.end) return false;
    if (lo === e.start && hi < e.end) {
      const pb = i > 0 ? b : b - 1;
      const pBlock = blocks[pb];
      if (pBlock === undefined) return false;
      const pi = i > 0 ? i - 1 : pBlock.length - 1;
      const prev = pBlock[pi];
      if (prev?.end !== lo) return false;
      const v = fn(e.value, lo, hi);
      if (v === undefined || !this.codec.joins(prev.value, lo - prev.start, v))
        return this.#undo(lo, hi, fn, v);
      pBlock[pi] = { start: prev.start, end: hi, value: prev.value };
      block[i] = { start: hi, end: e.end, value: this.codec.slice(e.value, hi - e.start) };
      return true;
    }
    if (hi === e.end && lo > e.start) {
      const nb = i + 1 < block.length ? b : b + 1;
      const nBlock = blocks[nb];
      const ni = i + 1 < block.length ? i + 1 : 0;
      const next = nBlock?.[ni];
      if (nBlock === undefined || next?.start !== hi) return false;
      const v = fn(this.codec.slice(e.value, lo - e.start), lo, hi);
      if (v === undefined || !this.codec.joins(v, hi - lo, next.value)) return this.#undo(lo, hi, fn, v);
      block[i] = { start: e.start, end: lo, value: e.value };
      nBlock[ni] = { start: lo, end: next.end, value: v };
      return true;
    }
    return false;
  }

  /** The fast path computed a value it cannot use: finish with the general path, reusing that value. */
  #undo(
    lo: number,
    hi: number,
    fn: (value: V, start: number, end: number) => V | undefined,
    v: V | undefined,
  ): boolean {
    let used = false;
    this.#replace(lo, hi, (overlapped) => {
      const pieces: Extent<V>[] = [];
      for (const e of overlapped) {
        const s = Math.max(e.start, lo);
        const en = Math.min(e.end, hi);
        const nv = used ? fn(s === e.start ? e.value : this.codec.slice(e.value, s - e.start), s, en) : v;
        used = true;
        if (nv !== undefined) pieces.push({ start: s, end: en, value: nv });
      }
      return pieces;
    });
    return true;
  }

  /**
   * Fast path of `set` (sequential mapping): [lo, hi) overlaps nothing, directly follows an extent it
   * joins, and does not touch the next one. Extends that extent in place; false when not applicable.
   */
  #extend(lo: number, hi: number, value: V): boolean {
    const [b, i] = this.#locate(lo);
    const blocks = this.#blocks;
    const next = blocks[b]?.[i];
    if (next !== undefined && next.start <= hi) return false;
    const pb = i > 0 ? b : b - 1;
    const pBlock = blocks[pb];
    if (pBlock === undefined) return false;
    const pi = i > 0 ? i - 1 : pBlock.length - 1;
    const prev = pBlock[pi];
    if (prev?.end !== lo || !this.codec.joins(prev.value, lo - prev.start, value)) return false;
    pBlock[pi] = { start: prev.start, end: hi, value: prev.value };
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
    for (let block = blocks[b]; block !== undefined;) {
      const e = block[i];
      if (e === undefined || e.start >= hi) break;
      overlapped.push(e);
      i++;
      if (i >= block.length) {
        block = blocks[++b];
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
    const blocks = this.#blocks;
    const right = blocks[b]?.[i];
    if (right?.start !== key) return;
    const pb = i > 0 ? b : b - 1;
    const pBlock = blocks[pb];
    if (pBlock === undefined) return;
    const pi = i > 0 ? i - 1 : pBlock.length - 1;
    const left = pBlock[pi];
    if (left?.end !== key || !this.codec.joins(left.value, left.end - left.start, right.value)) return;
    this.#spliceAt(pb, pi, 2, [{ start: left.start, end: right.end, value: left.value }]);
  }

  /** Remove `count` extents from position [bi, ii] (possibly across blocks) and insert `items` there. */
  #spliceAt(bi: number, ii: number, count: number, items: Extent<V>[]): void {
    const blocks = this.#blocks;
    this.#size += items.length - count;
    if (bi === blocks.length) {
      if (items.length === 0) return;
      const lastBlock = blocks[blocks.length - 1];
      if (lastBlock !== undefined && lastBlock.length + items.length <= this.blockMax * 2) {
        for (const e of items) lastBlock.push(e);
        this.#normalize(blocks.length - 1);
      } else {
        blocks.push(items.slice());
        this.#normalize(blocks.length - 1);
      }
      return;
    }
    const block = blocks[bi];
    if (block === undefined) throw new Error(`ExtentMap: block ${bi} missing`);
    if (count === items.length && ii + count <= block.length) {
      let k = ii;
      for (const it of items) block[k++] = it;
      return;
    }
    const inBlock = Math.min(count, block.length - ii);
    let rest = count - inBlock;
    const after = bi + 1;
    while (rest > 0) {
      const next = blocks[after];
      if (next === undefined) throw new Error('ExtentMap: splice past the end');
      if (next.length <= rest) {
        rest -= next.length;
        blocks.splice(after, 1);
      } else {
        next.splice(0, rest);
        rest = 0;
      }
    }
    if (items.length <= 1024) block.splice(ii, inBlock, ...items);
    else blocks[bi] = block.slice(0, ii).concat(items, block.slice(ii + inBlock));
    this.#normalize(bi);
  }

  /** Drop an empty block or split an oversized one. */
  #normalize(bi: number): void {
    const blocks = this.#blocks;
    const block = blocks[bi];
    if (block === undefined) return;
    if (block.length === 0) {
      blocks.splice(bi, 1);
      return;
    }
    if (block.length > this.blockMax * 2) {
      const parts: Extent<V>[][] = [];
      for (let s = 0; s < block.length; s += this.blockMax) parts.push(block.slice(s, s + this.blockMax));
      blocks.splice(bi, 1, ...parts);
    }
  }
}

function checkRange(lo: number, hi: number): void {
  if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || lo < 0 || hi < lo) {
    throw new RangeError(`extent range [${lo}, ${hi}) is not a range of non-negative safe integers`);
  }
}
