import type { HvPage } from '../../../src/ports/HvPage.js';
import type { HostPort, PfnRun, UserRange, VmaInfo } from '../../../src/ports/HostPort.js';
import { HostCrash } from './HostCrash.js';
import { CONTIGUOUS, FREE, type HostRam, type Owner } from './HostRam.js';
import type { Synic } from './Synic.js';
import type { UserSpace } from './UserSpace.js';

/**
 * The simulated host as the root kernel sees it (HostPort): its page allocator over the shared
 * ownership map, the VMM's address space, the RAM map, the pages the hypervisor shares, and each CPU's
 * SynIC slot and doorbell ring. Kernel pages are handed out next-fit from low memory, so they fill the
 * holes user memory left, as a long-running host's allocator does.
 *
 * @example
 * const host = new SimulatedMachine({ seed: 7 }).host;
 * host.allocPages(4); // [{ pfn, count: 4 }]: kernel pages, next fit from low memory
 */
export class SimulatedHost implements HostPort {
  #kernelCursor: number;
  /**
   * The MMU notifiers registered on the VMM's mm (the driver's movable regions): called with a range
   * before the mm migrates it. The world that owns the driver registers them (`SimWorld`); a racing
   * migration (`UserSpace.armRace`) calls them from inside `faultUserRange`.
   */
  mmNotifier: ((userAddr: bigint, pages: number) => void) | null = null;

  constructor(
    /** @internal */
    readonly ram: HostRam,
    /** @internal */
    readonly user: UserSpace,
    /** @internal */
    readonly synic: Synic,
    /** Where the next kernel allocation starts looking (a snapshot's value; default: the first RAM page). */
    kernelCursor?: number,
  ) {
    this.#kernelCursor = kernelCursor ?? ram.ranges[0]?.pfn ?? 0;
  }

  /** Where the next kernel allocation starts looking (next fit), for snapshots. */
  get kernelCursor(): number {
    return this.#kernelCursor;
  }

  get cpuCount(): number {
    return this.synic.cpuCount;
  }

  allocPages(count: number): PfnRun[] | null {
    if (!Number.isSafeInteger(count) || count < 0)
      throw new RangeError(`allocPages: ${count} is not a page count`);
    if (count === 0) return [];
    const got = this.ram.allocate('kernel', count, CONTIGUOUS, this.#kernelCursor);
    if (got === null) return null;
    this.#kernelCursor = got.cursor;
    return got.runs;
  }

  freePages(runs: readonly PfnRun[]): void {
    // Run by run, as the kernel frees page by page: a PFN given twice is free by its second turn.
    for (const r of runs) {
      if (!this.ram.all(r.pfn, r.count, freeable) || hasShared(this.ram.sharedWithRoot, r)) {
        if (!this.ram.all(r.pfn, r.count, (o) => o.kind === 'kernel'))
          throw new HostCrash(
            'double-free',
            `[0x${r.pfn.toString(16)}, +${r.count}) is not all allocated kernel memory`,
          );
        throw new HostCrash(
          'free-in-use',
          `[0x${r.pfn.toString(16)}, +${r.count}) is still mapped or shared`,
        );
      }
      this.ram.retag(r.pfn, r.count, () => FREE);
    }
  }

  findVma(userAddr: bigint): VmaInfo | undefined {
    const v = this.user.findVma(userAddr);
    return v === undefined ? undefined : { start: v.start, end: v.end, kind: v.kind, pgoff: v.pgoff };
  }

  pinUserRange(userAddr: bigint, pages: number): UserRange {
    return this.user.pin(userAddr, pages);
  }

  /**
   * hmm_range_fault. When a migration is armed to race a fault-in over the range (`UserSpace.armRace`),
   * it happens here, after the pages are resolved and before the caller takes its region's lock: the
   * MMU notifiers run, the mm moves the pages, and the runs answered are the pages it just freed. A
   * driver that checks `mmInvalidations` (mmu_interval_read_retry) faults the range in again.
   */
  faultUserRange(userAddr: bigint, pages: number): UserRange {
    const range = this.user.fault(userAddr, pages);
    const race = this.user.takeRace(userAddr, pages);
    if (race !== undefined) {
      this.mmNotifier?.(race.userAddr, race.pages);
      this.user.migrate(race.userAddr, race.pages);
    }
    return range;
  }

  mmInvalidations(): number {
    return this.user.invalidations;
  }

  unpinUserRange(runs: readonly PfnRun[]): void {
    this.user.unpin(runs);
  }

  rangeHasRam(startPfn: number, count: number): boolean {
    return this.ram.rangeHasRam(startPfn, count);
  }

  physPage(pfn: number): HvPage {
    return this.ram.rootPage(pfn);
  }

  sint0Slot(cpu: number): Uint8Array {
    return this.synic.slot(cpu);
  }

  endOfMessage(cpu: number): void {
    this.synic.endOfMessage(cpu);
  }

  sint0PendingCpus(): readonly number[] {
    return this.synic.pendingCpus();
  }

  doorbellRing(cpu: number): Uint8Array {
    return this.synic.ring(cpu);
  }
}

/** A kernel page nobody maps: one `__free_page` may take. */
const freeable = (o: Owner): boolean => o.kind === 'kernel' && o.maps === 0;

/** Whether a page of `r` is shared with the root: walks the smaller of the run and the set. */
function hasShared(shared: ReadonlySet<number>, r: PfnRun): boolean {
  if (shared.size === 0) return false;
  if (r.count < shared.size) {
    for (let pfn = r.pfn; pfn < r.pfn + r.count; pfn++) if (shared.has(pfn)) return true;
    return false;
  }
  for (const pfn of shared) if (pfn >= r.pfn && pfn < r.pfn + r.count) return true;
  return false;
}
