import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { headerChecksum, recordChecksum } from '../../src/log/checksum.js';
import { checksumLinks } from '../../src/log/checksumLinks.js';

const hex16 = fc
  .tuple(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff }))
  .map(([hi, lo]) => hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0'));
const seqs = fc.oneof(
  fc.integer({ min: 1, max: 1000 }),
  fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
);
const bodies = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)) }),
  fc.string(),
);

describe('checksumLinks: the allocation-free check replay runs on every short record', () => {
  it('is exactly recordChecksum(prev, seq, body) === stored', () => {
    fc.assert(
      fc.property(hex16, seqs, bodies, hex16, (prev, seq, body, other) => {
        const computed = recordChecksum(prev, seq, body);
        if (computed !== null) expect(checksumLinks(prev, seq, body, computed)).toBe(true);
        expect(checksumLinks(prev, seq, body, other)).toBe(computed === other);
      }),
    );
  });

  it('a stored checksum that is not 16 lowercase hex digits never matches', () => {
    const prev = headerChecksum('{}');
    const body = '{"kind":"snapshot","state":null,"v":1}';
    const good = recordChecksum(prev, 3, body)!;
    expect(checksumLinks(prev, 3, body, good)).toBe(true);
    for (const bad of [good.toUpperCase(), `${good.slice(0, 15)}\u0000`, good.slice(1), null, 7, `${good}0`])
      expect(checksumLinks(prev, 3, body, bad)).toBe(false);
    expect(checksumLinks(prev, 4, body, good)).toBe(false);
    expect(checksumLinks(prev, 3, `${body} `, good)).toBe(false);
  });
});
