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
 * The `hostMemory` list; declarations must not share user addresses.
 *
 * @example
 * hostMemoryCodec.read([], '$.hostMemory'); // []
 */
export const hostMemoryCodec: Codec<readonly HostMemoryDecl[]> = {
  expected: 'list of host memory declarations',
  read(value, path) {
    const decls = declList.read(value, path);
    decls.forEach((d, i) => {
      const j = decls.findIndex(
        (e, k) => k < i && d.userAddr < e.userAddr + e.size && e.userAddr < d.userAddr + d.size,
      );
      if (j >= 0) {
        throw new ScenarioError(
          childPath(path, i),
          'overlap',
          `user range overlaps $.hostMemory[${j}] (user addresses must be distinct)`,
        );
      }
    });
    return decls;
  },
  write: (value) => declList.write(value),
};
