import { describe, expect, it } from 'vitest';
import { hostMemoryCodec, hostRamDeclaredBytesMax } from '../../src/scenario/hostMemoryCodec.js';
import { parseScenarioText } from '../../src/scenario/loadScenario.js';
import { scenarioErrorOf as errorOf } from './scenarioErrorOf.js';

const ram = (userAddr: bigint, size: bigint, pageSize: '4K' | '2M' = '4K') => ({
  userAddr: `0x${userAddr.toString(16)}`,
  size: `0x${size.toString(16)}`,
  pageSize,
});

describe('host memory: a documented limit on declared RAM (review finding 3)', () => {
  it('is 4 TiB in all, four times the 1 TiB guests of the benches', () => {
    expect(hostRamDeclaredBytesMax).toBe(4n << 40n);
  });

  it('refuses 2^63 bytes at $.hostMemory[0].size with rule range (it exhausted the heap after a minute)', () => {
    const text =
      '{"format":1,"name":"t","seed":1,"hostMemory":[{"userAddr":"0x0","size":"0x8000000000000000","pageSize":"2M"}],"steps":[]}';
    const e = errorOf(() => parseScenarioText(text));
    expect({ path: e.path, rule: e.rule }).toEqual({ path: '$.hostMemory[0].size', rule: 'range' });
    expect(e.detail).toBe(
      'host RAM would total 8388608TiB with this declaration; a scenario declares at most 4TiB of RAM in all',
    );
  });

  it('counts RAM only, in declaration order, and accepts exactly the limit', () => {
    const atLimit = [
      ram(0n, 3n << 40n, '2M'),
      { userAddr: '0x40000000000', size: '1TiB', mmio: true, spa: '0x0' },
      ram(5n << 40n, 1n << 40n),
    ];
    expect(hostMemoryCodec.read(atLimit, '$.hostMemory')).toHaveLength(3);
    const e = errorOf(() => hostMemoryCodec.read([...atLimit, ram(6n << 40n, 4096n)], '$.hostMemory'));
    expect({ path: e.path, rule: e.rule }).toEqual({ path: '$.hostMemory[3].size', rule: 'range' });
  });
});

describe('host memory: overlaps found by sorting (review finding 10)', () => {
  it('loads 100,000 disjoint declarations given in scrambled order, each as declared', () => {
    const n = 100_000;
    // Every other 4 KiB page, in an order far from sorted (a stride coprime with n).
    const decls = Array.from({ length: n }, (_, i) =>
      ram(0x7f00_0000_0000n + BigInt(((i * 7919) % n) * 2) * 4096n, 4096n),
    );
    const text = JSON.stringify({ format: 1, name: 'many', seed: 1, hostMemory: decls, steps: [] });
    const s = parseScenarioText(text);
    expect(s.hostMemory).toHaveLength(n);
    expect(s.hostMemory[1]).toEqual({
      kind: 'ram',
      userAddr: 0x7f00_0000_0000n + 7919n * 2n * 4096n,
      size: 4096n,
      pageSize: 4096,
    });
  });

  it('finds an overlap whatever the declaration order, naming both declarations', () => {
    const big = ram(0n, 0x10_0000n);
    const inside = ram(0x8_0000n, 0x1000n);
    const after = ram(0x20_0000n, 0x1000n);
    for (const [decls, path, earlier] of [
      [[big, after, inside], '$.hostMemory[2]', '$.hostMemory[0]'],
      [[inside, after, big], '$.hostMemory[2]', '$.hostMemory[0]'],
      [[after, big, ram(0x20_0000n, 0x1000n)], '$.hostMemory[2]', '$.hostMemory[0]'],
    ] as const) {
      const e = errorOf(() => hostMemoryCodec.read(decls, '$.hostMemory'));
      expect({ path: e.path, rule: e.rule }).toEqual({ path, rule: 'overlap' });
      expect(e.detail).toBe(`user range overlaps ${earlier} (user addresses must be distinct)`);
    }
  });

  it('accepts ranges that only touch', () => {
    expect(
      hostMemoryCodec.read([ram(0x1000n, 0x1000n), ram(0n, 0x1000n), ram(0x2000n, 0x1000n)], '$.hm'),
    ).toHaveLength(3);
  });
});
