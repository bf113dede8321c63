import { HV_PAGE_SIZE } from '../hv/Page.js';
import { GFN_LIMIT } from '../pipeline/driver/setGuestMemory.js';
import { argumentError } from './HostError.js';
import type { Region } from './Region.js';
import { type Result, failure, success } from './Result.js';
import { boolField, U64_END, u64Field } from './u64Field.js';

/** What `partition.mapMemory` takes. */
export interface MapMemorySpec {
  /** First guest page frame (GPA / 4096). */
  readonly guestPfn: bigint | number;
  /** Bytes: non-zero, a multiple of 4096. */
  readonly size: bigint | number;
  /** Where the memory is in the VMM's address space (a hostMemory range), page aligned. */
  readonly userAddr: bigint | number;
  readonly writable?: boolean;
  readonly executable?: boolean;
}

const PAGE = BigInt(HV_PAGE_SIZE);

/**
 * The key of the region mapped at `guestPfn`: the name the machine and the log give it.
 *
 * @example
 * regionKey(0x100n); // 'gpfn:0x100'
 */
export function regionKey(guestPfn: bigint): string {
  return `gpfn:0x${guestPfn.toString(16)}`;
}

/**
 * The region a map request describes, checked the way MSHV_SET_GUEST_MEMORY checks it (inventory
 * §c.4) before anything is sent: each number a u64, size non-zero, size and userAddr page aligned,
 * neither the user range nor the GPA range wrapping past 2^64, and the GPA range within the
 * guest's 52-bit physical address space (GFNs below 2^40).
 *
 * @example
 * regionOf('partition.mapMemory', { guestPfn: 0n, size: 4096n, userAddr: 0x7f0000000000n, writable: true });
 * // { ok: true, value: { key: 'gpfn:0x0', guestPfn: 0n, size: 4096n, ... } }
 */
export function regionOf(op: string, spec: MapMemorySpec): Result<Region> {
  const guestPfn = u64Field(op, 'guestPfn', spec.guestPfn);
  if (!guestPfn.ok) return guestPfn;
  const size = u64Field(op, 'size', spec.size);
  if (!size.ok) return size;
  const userAddr = u64Field(op, 'userAddr', spec.userAddr);
  if (!userAddr.ok) return userAddr;
  const writable = boolField(op, 'writable', spec.writable);
  if (!writable.ok) return writable;
  const executable = boolField(op, 'executable', spec.executable);
  if (!executable.ok) return executable;
  const hex = (v: bigint): string => `0x${v.toString(16)}`;
  if (size.value === 0n)
    return failure(argumentError(op, 'size', 'nonZero', 'a region has at least one page'));
  if (size.value % PAGE !== 0n)
    return failure(
      argumentError(
        op,
        'size',
        'pageAligned',
        `${hex(size.value)} is not a multiple of ${PAGE} (inventory §c.4)`,
      ),
    );
  if (userAddr.value % PAGE !== 0n)
    return failure(
      argumentError(
        op,
        'userAddr',
        'pageAligned',
        `${hex(userAddr.value)} is not a multiple of ${PAGE} (inventory §c.4)`,
      ),
    );
  if (userAddr.value + size.value > U64_END)
    return failure(argumentError(op, 'size', 'noWrap', `userAddr + size passes 2^64`));
  if ((guestPfn.value + size.value / PAGE) * PAGE > U64_END)
    return failure(
      argumentError(op, 'size', 'noWrap', `the last GPA, (guestPfn + size / 4096) * 4096, passes 2^64`),
    );
  if (guestPfn.value + size.value / PAGE > GFN_LIMIT)
    return failure(
      argumentError(
        op,
        guestPfn.value >= GFN_LIMIT ? 'guestPfn' : 'size',
        'gpaWidth',
        `guestPfn + size / 4096 = ${hex(guestPfn.value + size.value / PAGE)} passes the 52-bit guest physical address space (GFNs below 2^40; the driver answers EINVAL, inventory §c.4)`,
      ),
    );
  return success({
    key: regionKey(guestPfn.value),
    guestPfn: guestPfn.value,
    size: size.value,
    userAddr: userAddr.value,
    writable: writable.value,
    executable: executable.value,
  });
}
