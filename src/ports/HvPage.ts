import { HV_PAGE_SIZE } from '../hv/Page.js';

/**
 * One 4 KiB hypervisor page with the views the hot paths need. Per-CPU argument pages are long-lived
 * instances of this class: bytes written by one call stay until something overwrites them.
 *
 * @example
 * const page = new HvPage();
 * page.setU64Number(8, 0x1234); page.view.getBigUint64(8, true); // 0x1234n
 */
export class HvPage {
  readonly bytes: Uint8Array;
  #view: DataView | undefined;
  #u32: Uint32Array | undefined;

  /**
   * The page at `byteOffset` (a multiple of 4096) of `buffer`: a fresh page by default, or one page of
   * a slab that allocators carve many pages from (one allocation instead of one per page).
   */
  constructor(buffer: ArrayBuffer = new ArrayBuffer(HV_PAGE_SIZE), byteOffset = 0) {
    if (!Number.isSafeInteger(byteOffset) || byteOffset < 0 || byteOffset % HV_PAGE_SIZE !== 0)
      throw new RangeError(`HvPage: offset ${byteOffset} is not a multiple of ${HV_PAGE_SIZE}`);
    if (byteOffset + HV_PAGE_SIZE > buffer.byteLength)
      throw new RangeError(
        `HvPage: ${buffer.byteLength} bytes hold no page at offset ${byteOffset} (want ${HV_PAGE_SIZE})`,
      );
    this.bytes = new Uint8Array(buffer, byteOffset, HV_PAGE_SIZE);
  }

  /**
   * A DataView of the page, made on first use: most pages (host RAM contents, a checker's short-lived
   * worlds) are only ever read and written as bytes, and a typed view costs an allocation each.
   */
  get view(): DataView {
    return (this.#view ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, HV_PAGE_SIZE));
  }

  /** Little-endian u32 view, for writing u64 list entries as lo/hi halves without bigint (made on first use). */
  get u32(): Uint32Array {
    return (this.#u32 ??= new Uint32Array(this.bytes.buffer, this.bytes.byteOffset, HV_PAGE_SIZE >>> 2));
  }

  /**
   * `count` zeroed pages sharing one buffer.
   *
   * @example
   * const [input, output] = HvPage.slab(2);
   */
  static slab(count: number): HvPage[] {
    if (!Number.isSafeInteger(count) || count < 1)
      throw new RangeError(`HvPage.slab: ${count} is not a page count`);
    const buffer = new ArrayBuffer(count * HV_PAGE_SIZE);
    return Array.from({ length: count }, (_, i) => new HvPage(buffer, i * HV_PAGE_SIZE));
  }

  zero(): void {
    this.bytes.fill(0);
  }

  /** Write a u64 list entry (a PFN below 2^53) at a byte offset that is a multiple of 8. */
  setU64Number(byteOffset: number, value: number): void {
    const i = byteOffset >>> 2;
    this.u32[i] = value >>> 0;
    this.u32[i + 1] = Math.floor(value / 0x1_0000_0000);
  }

  /** Read a u64 list entry as a number; the caller guarantees it is below 2^53. */
  getU64Number(byteOffset: number): number {
    const i = byteOffset >>> 2;
    return (this.u32[i] ?? 0) + (this.u32[i + 1] ?? 0) * 0x1_0000_0000;
  }
}
