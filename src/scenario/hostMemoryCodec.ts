import { bool, bytes, type Codec, intOneOf, list, u64 } from './Codec.js';
import { childPath } from './jsonPath.js';
import { checkFields, expectObject, readFields, required, type SpecFor, writeFields } from './objectCodec.js';
import type { HostMemoryDecl, MmioDecl, RamDecl } from './Scenario.js';
import { ScenarioError } from './ScenarioError.js';

const ramSpec: SpecFor<Omit<RamDecl, 'kind'>> = {
  userAddr: required(u64()),
  size: required(bytes()),
  pageSize: required(intOneOf([4096, 2097152] as const, 'u32')),
};

const mmioSpec: SpecFor<Omit<MmioDecl, 'kind'>> = {
  userAddr: required(u64()),
  size: required(bytes()),
  spa: required(u64()),
};

const addressEnd = 1n << 64n;

/**
 * One host-memory declaration: RAM `{userAddr, size, pageSize}` or MMIO `{userAddr, size, mmio:
 * true, spa}`. These describe the simulated host, not a driver input, so the loader checks them:
 * non-zero size, alignment to the page size (4 KiB for MMIO, spa included), no wrap past 2^64.
 *
 * @example
 * hostMemoryDeclCodec.read({ userAddr: '0x7f0000000000', size: '1GiB', pageSize: '4K' }, '$.hostMemory[0]');
 * // { kind: 'ram', userAddr: 0x7f0000000000n, size: 0x40000000n, pageSize: 4096 }
 */
export const hostMemoryDeclCodec: Codec<HostMemoryDecl> = {
  expected: 'a host memory declaration',
  read(value, path) {
    const obj = expectObject(value, path, 'a host memory declaration');
    const isMmio = Object.hasOwn(obj, 'mmio') && bool.read(obj.mmio, childPath(path, 'mmio'));
    let decl: HostMemoryDecl;
    if (isMmio) {
      if (Object.hasOwn(obj, 'pageSize')) {
        throw new ScenarioError(
          childPath(path, 'pageSize'),
          'conflict',
          'an MMIO range has no pageSize (it maps spa directly)',
        );
      }
      checkFields(obj, path, ['userAddr', 'size', 'mmio', 'spa'], 'an MMIO declaration');
      decl = { kind: 'mmio', ...readFields(obj, path, mmioSpec, 'an MMIO declaration') };
    } else {
      if (Object.hasOwn(obj, 'spa')) {
        throw new ScenarioError(
          childPath(path, 'spa'),
          'conflict',
          'spa belongs to an MMIO range: add "mmio": true',
        );
      }
      checkFields(obj, path, ['userAddr', 'size', 'mmio', 'pageSize'], 'a RAM declaration');
      decl = { kind: 'ram', ...readFields(obj, path, ramSpec, 'a RAM declaration') };
    }
    const pageBytes = decl.kind === 'ram' ? BigInt(decl.pageSize) : 4096n;
    const check = (field: 'userAddr' | 'size' | 'spa', v: bigint): void => {
      if (v % pageBytes !== 0n) {
        throw new ScenarioError(
          childPath(path, field),
          'alignment',
          `0x${v.toString(16)} is not a multiple of the ${pageBytes}-byte page`,
        );
      }
    };
    if (decl.size === 0n) throw new ScenarioError(childPath(path, 'size'), 'range', 'size must not be zero');
    check('userAddr', decl.userAddr);
    check('size', decl.size);
    if (decl.userAddr + decl.size > addressEnd)
      throw new ScenarioError(childPath(path, 'size'), 'range', 'the range wraps past 2^64');
    if (decl.kind === 'mmio') {
      check('spa', decl.spa);
      if (decl.spa + decl.size > addressEnd)
        throw new ScenarioError(childPath(path, 'spa'), 'range', 'the range wraps past 2^64');
    }
    return decl;
  },
  write(value) {
    return value.kind === 'ram'
      ? writeFields(value, ramSpec)
      : { ...writeFields(value, mmioSpec), mmio: true };
  },
};

const declList = list(hostMemoryDeclCodec);

/**
 * The most host RAM a scenario may declare, in all: 4 TiB, four times the 1 TiB guests of the
 * project's benches (test/bench: `map-1tib-4k`, `stack-map-1tib-*`). The simulated host keeps
 * state per 2 MiB run of RAM (about 1.3 s to build 4 TiB of 2 MiB pages), so a declaration of
 * 2^63 bytes would otherwise exhaust the process's memory before the first step. MMIO ranges
 * hold no RAM and do not count.
 */
export const hostRamDeclaredBytesMax = 4n << 40n;

/**
 * The `hostMemory` list; declarations must not share user addresses, and the RAM declarations
 * must total at most `hostRamDeclaredBytesMax`.
 *
 * @example
 * hostMemoryCodec.read([], '$.hostMemory'); // []
 */
export const hostMemoryCodec: Codec<readonly HostMemoryDecl[]> = {
  expected: 'list of host memory declarations',
  read(value, path) {
    const decls = declList.read(value, path);
    let ramBytes = 0n;
    decls.forEach((d, i) => {
      if (d.kind !== 'ram') return;
      ramBytes += d.size;
      if (ramBytes > hostRamDeclaredBytesMax)
        throw new ScenarioError(
          childPath(childPath(path, i), 'size'),
          'range',
          `host RAM would total ${sizeText(ramBytes)} with this declaration; a scenario declares at most ${sizeText(hostRamDeclaredBytesMax)} of RAM in all`,
        );
    });
    const overlap = firstOverlap(decls);
    if (overlap !== undefined) {
      const [earlier, later] = overlap;
      throw new ScenarioError(
        childPath(path, later),
        'overlap',
        `user range overlaps $.hostMemory[${earlier}] (user addresses must be distinct)`,
      );
    }
    return decls;
  },
  write: (value) => declList.write(value),
};

/**
 * Two declarations whose user ranges share an address, as [earlier, later] indices; undefined when
 * none do. Sorted by start, some two neighbours overlap whenever any two ranges do, so one pass
 * over the sorted order finds a pair (O(n log n)); among the neighbours that overlap, the first in
 * sorted order is reported.
 */
function firstOverlap(decls: readonly HostMemoryDecl[]): readonly [number, number] | undefined {
  const order = decls.map((_, i) => i);
  order.sort((a, b) => {
    const x = decls[a]?.userAddr ?? 0n;
    const y = decls[b]?.userAddr ?? 0n;
    return x < y ? -1 : x > y ? 1 : a - b;
  });
  for (let k = 1; k < order.length; k++) {
    const a = order[k - 1] ?? 0;
    const b = order[k] ?? 0;
    const prev = decls[a];
    const next = decls[b];
    if (prev !== undefined && next !== undefined && next.userAddr < prev.userAddr + prev.size)
      return a < b ? [a, b] : [b, a];
  }
  return undefined;
}

/** A byte count in the largest binary unit that divides it (`4TiB`), else in hex. */
function sizeText(n: bigint): string {
  const text = bytes().write(n);
  return typeof text === 'string' ? text : `0x${n.toString(16)}`;
}
