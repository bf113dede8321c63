import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  _IO,
  _IOR,
  _IOW,
  _IOWR,
  decodeIocRequest,
  formatRequest,
  IOC_DIR,
  ioc,
  MSHV_IOCTL,
} from '../../../src/hv/uapi/ioctl.js';
import { loadFacts } from './loadFacts.js';

const facts = loadFacts();

describe('ioctl request encoding (inventory §a, facts ioctl_encoding)', () => {
  it('uses the facts direction values and type 0xB8', () => {
    expect(IOC_DIR).toEqual(facts.ioctl_encoding.dir);
    expect(MSHV_IOCTL).toBe(facts.ioctl_encoding.type);
  });

  it('puts dir at bits 30-31, size at 16-29, type at 8-15 and nr at 0-7', () => {
    expect(ioc(3, 0xb8, 0x07, 32)).toBe(0xc020b807);
    expect(_IO(0xb8, 0x27)).toBe(0x0000b827);
    expect(_IOW(0xb8, 0x00, 16)).toBe(0x4010b800);
    expect(_IOR(0xb8, 0x00, 256)).toBe(0x8100b800);
    expect(_IOWR(0xb8, 0x06, 32)).toBe(0xc020b806);
    // Bit 31 set must stay an unsigned value, not a negative JS int.
    expect(ioc(3, 0xff, 0xff, 0x3fff)).toBe(0xffffffff);
  });

  it('rejects a field that does not fit, naming it', () => {
    expect(() => ioc(4, 0xb8, 0, 0)).toThrow(/ioctl dir/);
    expect(() => ioc(1, 0x100, 0, 0)).toThrow(/ioctl type/);
    expect(() => ioc(1, 0xb8, 256, 0)).toThrow(/ioctl nr/);
    expect(() => ioc(1, 0xb8, 0, 0x4000)).toThrow(/ioctl size: 16384 .*16383/);
    expect(() => ioc(1, 0xb8, 0, 1.5)).toThrow(/ioctl size/);
  });

  it('decodes a request into its fields', () => {
    expect(decodeIocRequest(0x8100b800)).toEqual({ dir: 2, type: 0xb8, nr: 0, size: 256 });
    expect(decodeIocRequest(0xc030b81fn)).toEqual({ dir: 3, type: 0xb8, nr: 0x1f, size: 48 });
  });

  it('rejects a request outside u32, naming the request', () => {
    expect(() => decodeIocRequest(-1)).toThrow(/ioctl request: -1 is not an unsigned 32-bit value/);
    expect(() => decodeIocRequest(0x1_0000_0000)).toThrow(/ioctl request/);
    expect(() => decodeIocRequest(1n << 40n)).toThrow(/ioctl request/);
    expect(() => decodeIocRequest(0.5)).toThrow(/ioctl request/);
  });

  it('formats requests as 8 upper-case hex digits', () => {
    expect(formatRequest(47104)).toBe('0x0000B800');
    expect(formatRequest(0xc020b807)).toBe('0xC020B807');
  });

  it('round-trips every field combination', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 0xff }),
        fc.integer({ min: 0, max: 0xff }),
        fc.integer({ min: 0, max: 0x3fff }),
        (dir, type, nr, size) => {
          const r = ioc(dir, type, nr, size);
          expect(r).toBeGreaterThanOrEqual(0);
          expect(r).toBeLessThanOrEqual(0xffffffff);
          expect(decodeIocRequest(r)).toEqual({ dir, type, nr, size });
        },
      ),
    );
  });
});
