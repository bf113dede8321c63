/**
 * One read-and-clear pass of the dirty bits (MSHV_GET_GPAP_ACCESS_BITMAP, DIRTY + CLEAR): bit `i`
 * (byte i / 8, bit i % 8, least significant first) is page `base + i`, set when the guest wrote it
 * since the previous pass. The first pass after enabling reports every mapped page, and the first
 * pass over a region mapped while tracking is on reports all of it (vmm-lifecycle-rules 7).
 *
 * @example
 * const pass = partition.readDirty(65_536, 0n);
 * if (pass.ok) for (const gfn of pass.value.dirtyGfns()) copyPage(gfn);
 */
export class DirtyBitmap {
  constructor(
    /** The first page's GFN (gpap_base). */
    readonly base: bigint,
    /** Pages the pass covered (page_count). */
    readonly pages: number,
    /** The bitmap, ceil(pages / 8) bytes. */
    readonly bytes: Uint8Array,
  ) {
    if (bytes.length !== Math.ceil(pages / 8))
      throw new RangeError(`DirtyBitmap: ${bytes.length} bytes for ${pages} pages`);
  }

  /** Whether page `base + i` is dirty. */
  isDirty(i: number): boolean {
    if (!Number.isInteger(i) || i < 0 || i >= this.pages)
      throw new RangeError(`isDirty: ${i} is not in [0, ${this.pages})`);
    return (((this.bytes[i >> 3] ?? 0) >> (i & 7)) & 1) === 1;
  }

  /** How many pages are dirty. */
  get count(): number {
    let n = 0;
    for (let i = 0; i < this.pages; i++) if (this.isDirty(i)) n++;
    return n;
  }

  /** The GFNs of the dirty pages, ascending. */
  dirtyGfns(): bigint[] {
    const out: bigint[] = [];
    for (let i = 0; i < this.pages; i++) if (this.isDirty(i)) out.push(this.base + BigInt(i));
    return out;
  }
}
