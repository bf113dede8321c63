import type { PfnRun } from '../../../src/ports/HostPort.js';
import { type HostRam, withOwner } from '../host/HostRam.js';

/**
 * A pool as a snapshot keeps it: both stacks in order (bottom first), the page counters (used pages
 * include the specific pages `takePage` handed out, which no stack lists) and the lifetime totals. A
 * free run's top page is its highest PFN, a used run's its lowest (see `Pool`).
 */
export interface SavedPool {
  readonly free: readonly PfnRun[];
  readonly used: readonly PfnRun[];
  readonly freePages: number;
  readonly usedPages: number;
  readonly depositedTotal: number;
  readonly withdrawnTotal: number;
}

/**
 * A partition's memory pool: pages the root deposited (DEPOSIT_MEMORY) that the hypervisor draws on
 * for its own structures. Free pool pages are `pool` owned in the host map, used ones `hv` owned,
 * both attributed to the partition (`key`). Fungible uses (page tables, VP and port structures) take
 * and return pages from the top of a stack; specific uses (state and stats pages the root maps) take
 * one known PFN and give that PFN back.
 *
 * @example
 * const pool = new Pool(1, ram); pool.deposit(0x100, 16);
 * pool.consume(4); pool.freePages; // 12 (pool.usedPages is 4)
 */
export class Pool {
  readonly #free: PfnRun[] = [];
  readonly #used: PfnRun[] = [];
  freePages = 0;
  /** Pages the hypervisor holds (fungible and specific). */
  usedPages = 0;
  /** Pages ever deposited, and ever withdrawn. */
  depositedTotal = 0;
  withdrawnTotal = 0;

  constructor(
    readonly key: number,
    readonly ram: HostRam,
  ) {}

  /** Pages owned by this pool, free or used. */
  get totalPages(): number {
    return this.freePages + this.usedPages;
  }

  /** Take a kernel page run into the pool (the caller checked ownership). */
  deposit(pfn: number, count: number): void {
    this.ram.retag(pfn, count, (o) => withOwner(o, { kind: 'pool', partition: this.key }));
    pushUp(this.#free, pfn, count);
    this.freePages += count;
    this.depositedTotal += count;
  }

  /** Use `pages` fungible pages; false (and nothing taken) when the pool has too few. */
  consume(pages: number): boolean {
    if (pages > this.freePages) return false;
    let need = pages;
    while (need > 0) {
      const top = this.#free.pop();
      if (top === undefined) throw new Error(`pool ${this.key}: free count ${this.freePages} but no runs`);
      const take = Math.min(need, top.count);
      const rest = top.count - take;
      if (rest > 0) this.#free.push({ pfn: top.pfn, count: rest });
      const pfn = top.pfn + rest;
      this.ram.retag(pfn, take, (o) => withOwner(o, { kind: 'hv', partition: this.key }));
      pushDown(this.#used, pfn, take);
      need -= take;
    }
    this.freePages -= pages;
    this.usedPages += pages;
    return true;
  }

  /** Give back `pages` fungible pages. */
  release(pages: number): void {
    let need = pages;
    while (need > 0) {
      const top = this.#used.pop();
      if (top === undefined)
        throw new Error(`pool ${this.key}: releasing ${pages} fungible pages it does not hold`);
      const take = Math.min(need, top.count);
      const rest = top.count - take;
      if (rest > 0) this.#used.push({ pfn: top.pfn + take, count: rest });
      const pfn = top.pfn;
      this.ram.retag(pfn, take, (o) => withOwner(o, { kind: 'pool', partition: this.key }));
      pushUp(this.#free, pfn, take);
      need -= take;
    }
    this.freePages += pages;
    this.usedPages -= pages;
  }

  /** Use one specific page (a state or stats page); undefined when the pool is empty. */
  takePage(): number | undefined {
    const top = this.#free.pop();
    if (top === undefined) return undefined;
    if (top.count > 1) this.#free.push({ pfn: top.pfn, count: top.count - 1 });
    const pfn = top.pfn + top.count - 1;
    this.ram.retag(pfn, 1, (o) => withOwner(o, { kind: 'hv', partition: this.key }));
    this.ram.zeroContents(pfn);
    this.freePages -= 1;
    this.usedPages += 1;
    return pfn;
  }

  /** Return a page taken with `takePage`. */
  returnPage(pfn: number): void {
    this.ram.retag(pfn, 1, (o) => withOwner(o, { kind: 'pool', partition: this.key }));
    pushUp(this.#free, pfn, 1);
    this.freePages += 1;
    this.usedPages -= 1;
  }

  /** Hand up to `max` free pages back to the root kernel (WITHDRAW_MEMORY), as single PFNs in order. */
  withdraw(max: number, out: (pfn: number) => void): number {
    let got = 0;
    while (got < max) {
      const top = this.#free.pop();
      if (top === undefined) break;
      const take = Math.min(max - got, top.count);
      const rest = top.count - take;
      if (rest > 0) this.#free.push({ pfn: top.pfn, count: rest });
      const pfn = top.pfn + rest;
      this.ram.retag(pfn, take, (o) => withOwner(o, { kind: 'kernel', partition: -1 }));
      for (let i = take - 1; i >= 0; i--) out(pfn + i);
      got += take;
    }
    this.freePages -= got;
    this.withdrawnTotal += got;
    return got;
  }

  /**
   * The stacks, counters and totals (copies).
   *
   * @example
   * pool.save().freePages === pool.freePages; // true
   */
  save(): SavedPool {
    return {
      free: [...this.#free],
      used: [...this.#used],
      freePages: this.freePages,
      usedPages: this.usedPages,
      depositedTotal: this.depositedTotal,
      withdrawnTotal: this.withdrawnTotal,
    };
  }

  /**
   * A pool in a recorded state; the host map (restored separately) already tags its pages.
   *
   * @example
   * const copy = Pool.restore(pool.key, ram, pool.save());
   */
  static restore(key: number, ram: HostRam, s: SavedPool): Pool {
    const pool = new Pool(key, ram);
    pool.#free.push(...s.free);
    pool.#used.push(...s.used);
    pool.freePages = s.freePages;
    pool.usedPages = s.usedPages;
    pool.depositedTotal = s.depositedTotal;
    pool.withdrawnTotal = s.withdrawnTotal;
    return pool;
  }

  /** Free runs (for introspection). */
  freeRuns(): readonly PfnRun[] {
    return this.#free;
  }

  /** Used runs of fungible pages, without the specific pages `takePage` handed out (for the audit). */
  usedRuns(): readonly PfnRun[] {
    return this.#used;
  }
}

/** Push [pfn, pfn + count) ascending onto a stack whose runs grow upwards (the free stack). */
function pushUp(stack: PfnRun[], pfn: number, count: number): void {
  const top = stack[stack.length - 1];
  if (top !== undefined && top.pfn + top.count === pfn)
    stack[stack.length - 1] = { pfn: top.pfn, count: top.count + count };
  else stack.push({ pfn, count });
}

/** Push [pfn, pfn + count) descending onto a stack whose runs grow downwards (the used stack). */
function pushDown(stack: PfnRun[], pfn: number, count: number): void {
  const top = stack[stack.length - 1];
  if (pfn + count === top?.pfn) stack[stack.length - 1] = { pfn, count: top.count + count };
  else stack.push({ pfn, count });
}
