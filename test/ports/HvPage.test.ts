import { describe, expect, it } from 'vitest';
import { HV_PAGE_SIZE } from '../../src/hv/Page.js';
import { HvPage } from '../../src/ports/HvPage.js';

describe('HvPage', () => {
  it('views one 4 KiB page of a slab: writes land in that page only, and every page starts zeroed', () => {
    const pages = HvPage.slab(3);
    expect(pages).toHaveLength(3);
    const [a, b, c] = pages as [HvPage, HvPage, HvPage];
    expect(a.bytes.buffer).toBe(b.bytes.buffer);
    b.setU64Number(HV_PAGE_SIZE - 8, 2 ** 52 + 5);
    b.view.setUint8(0, 0xaa);
    expect(b.getU64Number(HV_PAGE_SIZE - 8)).toBe(2 ** 52 + 5);
    expect(b.bytes[0]).toBe(0xaa);
    expect(a.bytes.every((x) => x === 0)).toBe(true);
    expect(c.bytes.every((x) => x === 0)).toBe(true);
    b.zero();
    expect(b.u32.every((x) => x === 0)).toBe(true);
  });

  it('refuses an offset that is not page-aligned or leaves less than a page, naming the offset', () => {
    const buffer = new ArrayBuffer(2 * HV_PAGE_SIZE);
    expect(() => new HvPage(buffer, 8)).toThrow(/offset 8 is not a multiple of 4096/);
    expect(() => new HvPage(buffer, 2 * HV_PAGE_SIZE)).toThrow(/hold no page at offset 8192/);
    expect(() => new HvPage(new ArrayBuffer(100))).toThrow(/100 bytes hold no page/);
    expect(() => HvPage.slab(0)).toThrow(/HvPage.slab: 0 is not a page count/);
  });
});
