import type { StructLayout } from '../../src/hv/Layout.js';

/** A named reserved field of a uapi struct: where its bytes lie, as the layout declares them. */
export interface ReservedSlot {
  /** `struct.field`, as messages name it (`mshv_user_mem_region.rsvd`). */
  readonly field: string;
  readonly offset: number;
  readonly size: number;
}

/**
 * The reserved field `name` of `layout`, from the layout's `reservedRanges` (src/hv/uapi/structs):
 * the native adapter writes a caller's reserved value there and the model kernel reads it back from
 * there, so neither keeps an offset of its own. Throws when the layout declares no such field (a
 * broken build, caught when the module loads).
 *
 * @example
 * reservedSlot(MshvUserMemRegion, 'rsvd'); // { field: 'mshv_user_mem_region.rsvd', offset: 25, size: 7 }
 */
export function reservedSlot(layout: StructLayout, name: string): ReservedSlot {
  const range = layout.reservedRanges.find((r) => r.name === name);
  if (range === undefined) throw new Error(`layout ${layout.name} declares no reserved field ${name}`);
  return { field: `${layout.name}.${name}`, offset: range.offset, size: range.size };
}

/**
 * Write `value` little-endian into the slot's bytes of `bytes` (the struct, from offset 0). A value
 * that is not a bigint or does not fit the slot's width is a RangeError naming the field.
 *
 * @example
 * putReserved(bytes, reservedSlot(MshvUserIrqTable, 'rsvd'), 1n); // bytes[4] = 1
 */
export function putReserved(bytes: Uint8Array, slot: ReservedSlot, value: bigint): void {
  if (typeof value !== 'bigint' || value < 0n || value >> BigInt(slot.size * 8) !== 0n)
    throw new RangeError(`${slot.field}: ${String(value)} does not fit ${slot.size} bytes`);
  let v = value;
  for (let i = 0; i < slot.size; i++) {
    bytes[slot.offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

/**
 * The slot's bytes of `bytes` (the struct, from offset 0) as an unsigned little-endian value.
 *
 * @example
 * getReserved(bytes, reservedSlot(MshvUserIrqTable, 'rsvd')); // 1n after the putReserved above
 */
export function getReserved(bytes: Uint8Array, slot: ReservedSlot): bigint {
  let v = 0n;
  for (let i = slot.size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[slot.offset + i] ?? 0);
  return v;
}
