import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ExtentValueJson, readExtents, writeExtents } from '../../src/snapshot/extentsJson.js';
import { FieldReader, hexWord64, readWord } from '../../src/snapshot/FieldReader.js';
import { readPfnRuns, writePfnRuns } from '../../src/snapshot/pfnRunsJson.js';
import { readSparseBytes, writeSparseBytes } from '../../src/snapshot/sparseBytes.js';
import { SnapshotError } from '../../src/snapshot/SnapshotError.js';

function caught(f: () => unknown): SnapshotError {
  try {
    f();
  } catch (e) {
    if (e instanceof SnapshotError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('snapshot codecs', () => {
  it('sparse bytes round-trip any buffer and write nothing for zeros', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const json = JSON.parse(JSON.stringify(writeSparseBytes(bytes))) as unknown;
        expect(readSparseBytes(json, '$.b', bytes.length)).toEqual(bytes);
      }),
    );
    expect(writeSparseBytes(new Uint8Array(4096))).toEqual([]);
    expect(writeSparseBytes(new Uint8Array([0, 1, 0, 0, 2, 0]))).toEqual([[1, '01000002']]);
  });

  it('sparse bytes name the segment that overlaps, leaves the buffer or is not hex', () => {
    expect(
      caught(() =>
        readSparseBytes(
          [
            [4, '01'],
            [2, '02'],
          ],
          '$.slot',
          8,
        ),
      ),
    ).toMatchObject({
      path: '$.slot[1][0]',
      rule: 'order',
    });
    expect(caught(() => readSparseBytes([[7, '0102']], '$.slot', 8))).toMatchObject({
      path: '$.slot[0]',
      rule: 'range',
    });
    expect(caught(() => readSparseBytes([[0, '0G']], '$.slot', 8))).toMatchObject({
      path: '$.slot[0][1]',
      rule: 'hex',
    });
  });

  it('64-bit words are 0x and 16 lowercase digits, two’s complement for signed values', () => {
    expect(hexWord64(-1n)).toBe('0xffffffffffffffff');
    expect(readWord(hexWord64(-5n), '$.x', true)).toBe(-5n);
    expect(readWord(hexWord64(1n << 63n), '$.x')).toBe(1n << 63n);
    expect(caught(() => readWord('0xff', '$.x'))).toMatchObject({ path: '$.x', rule: 'hex' });
    expect(caught(() => readWord(255, '$.x'))).toMatchObject({ path: '$.x', rule: 'type' });
    expect(() => hexWord64(1n << 64n)).toThrow(RangeError);
  });

  const flat: ExtentValueJson<string> = {
    write: (v) => v,
    read: (j, p) => {
      if (typeof j !== 'string') throw new SnapshotError(p, 'type', 'not a string');
      return j;
    },
    key: (v) => v,
    joins: (a, _n, b) => a === b,
  };

  it('extents round-trip through a palette and gap/length runs', () => {
    const extents = [
      { start: 0, end: 4, value: 'free' },
      { start: 4, end: 6, value: 'kernel' },
      { start: 10, end: 12, value: 'free' },
    ];
    const json = writeExtents(extents, flat);
    expect(json).toEqual({ values: ['free', 'kernel'], runs: [0, 4, 0, 0, 2, 1, 4, 2, 0] });
    expect(readExtents(json, '$.e', flat, 12)).toEqual(extents);
  });

  it('extents name the run that breaks order, bounds or merging', () => {
    expect(caught(() => readExtents({ values: ['a'], runs: [0, 0, 0] }, '$.e', flat, 9))).toMatchObject({
      path: '$.e.runs[1]',
      rule: 'range',
    });
    expect(
      caught(() => readExtents({ values: ['a'], runs: [0, 4, 0, 0, 2, 0] }, '$.e', flat, 9)),
    ).toMatchObject({ path: '$.e.runs[3]', rule: 'order' });
    expect(caught(() => readExtents({ values: ['a'], runs: [8, 4, 0] }, '$.e', flat, 9))).toMatchObject({
      path: '$.e.runs[1]',
      rule: 'range',
    });
    expect(caught(() => readExtents({ values: ['a'], runs: [0, 4, 1] }, '$.e', flat, 9))).toMatchObject({
      path: '$.e.runs[2]',
      rule: 'range',
    });
    expect(caught(() => readExtents({ values: ['a'], runs: [-1, 4, 0] }, '$.e', flat, 9))).toMatchObject({
      path: '$.e.runs[0]',
      rule: 'range',
    });
  });

  it('sliding-PFN extents keep stack order of runs and PFN deltas', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ pfn: fc.nat(1 << 20), count: fc.integer({ min: 1, max: 600 }) }), {
          maxLength: 20,
        }),
        (runs) => {
          expect(readPfnRuns(writePfnRuns(runs), '$.r', 1 << 21)).toEqual(runs);
        },
      ),
    );
    expect(caught(() => readPfnRuns([16, 4], '$.r', 18))).toMatchObject({ path: '$.r[0]', rule: 'range' });
  });

  it('a field reader refuses unknown and missing fields and wrong versions, by path', () => {
    const r = FieldReader.of({ v: 1, a: 1, extra: 2 }, '$.p', 'a part', 1);
    expect(r.int('a')).toBe(1);
    expect(
      caught(() => {
        r.end();
      }),
    ).toMatchObject({ path: '$.p.extra', rule: 'unknown-field' });
    expect(caught(() => FieldReader.of({ v: 1 }, '$.p', 'a part', 1).int('a'))).toMatchObject({
      path: '$.p.a',
      rule: 'required',
    });
    expect(caught(() => FieldReader.of({ v: 2 }, '$.p', 'a part', 1))).toMatchObject({
      path: '$.p.v',
      rule: 'version',
    });
    expect(caught(() => FieldReader.of([], '$.p', 'a part'))).toMatchObject({ path: '$.p', rule: 'type' });
    // A codec that grew a field reads both versions and fills the default for the older one.
    expect(FieldReader.of({ v: 1 }, '$.p', 'a part', [1, 2]).version).toBe(1);
    expect(caught(() => FieldReader.of({ v: 3 }, '$.p', 'a part', [1, 2]))).toMatchObject({
      path: '$.p.v',
      rule: 'version',
    });
  });
});
