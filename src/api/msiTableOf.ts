import { MSHV_MAX_GUEST_IRQS } from '../hv/uapi/flags.js';
import { objectArg } from './objectArg.js';
import { argumentError } from './HostError.js';
import type { MsiRoute } from './MsiRoute.js';
import { type Result, failure, success } from './Result.js';
import { intField } from './u64Field.js';

const U32_MAX = 0xffff_ffff;

/**
 * An MSI routing table checked as MSHV_SET_MSI_ROUTING checks it (inventory §c.11), flattened the
 * way the operation carries it (gsi, addressLo, addressHi, data per entry): at most 4,096 entries,
 * each gsi below 4,096 and used once, addressHi 0, the other fields u32.
 *
 * @example
 * msiTableOf('partition.setMsiRouting', [{ gsi: 24, addressLo: 0xfee00000, data: 0x30 }]);
 * // { ok: true, value: [24, 4276092928, 0, 48] }
 */
export function msiTableOf(op: string, entries: readonly MsiRoute[]): Result<number[]> {
  if (!Array.isArray(entries))
    return failure(argumentError(op, 'entries', 'array', 'expected an array of routes'));
  if (entries.length > MSHV_MAX_GUEST_IRQS)
    return failure(
      argumentError(
        op,
        'entries',
        'msiTableMax',
        `${entries.length} routes; at most ${MSHV_MAX_GUEST_IRQS} (MSHV_MAX_GUEST_IRQS)`,
      ),
    );
  const flat: number[] = [];
  const seen = new Set<number>();
  for (const [i, e] of (entries as readonly MsiRoute[]).entries()) {
    const at = `entries[${i}]`;
    const bad = objectArg(op, at, e, 'an MsiRoute { gsi, addressLo, addressHi?, data }', [
      'gsi',
      'addressLo',
      'addressHi',
      'data',
    ]);
    if (bad !== undefined) return bad;
    const gsi = intField(op, `${at}.gsi`, e.gsi, 0, MSHV_MAX_GUEST_IRQS - 1, 'gsiBelowMax');
    if (!gsi.ok) return gsi;
    if (seen.has(gsi.value))
      return failure(argumentError(op, `${at}.gsi`, 'gsiUnique', `gsi ${gsi.value} is routed twice`));
    seen.add(gsi.value);
    const lo = intField(op, `${at}.addressLo`, e.addressLo, 0, U32_MAX, 'u32');
    if (!lo.ok) return lo;
    // Must be 0 (inventory §c.11); a number, as the MsiRoute type says.
    const hi = intField(op, `${at}.addressHi`, e.addressHi ?? 0, 0, 0, 'addressHiZero');
    if (!hi.ok) return hi;
    const data = intField(op, `${at}.data`, e.data, 0, U32_MAX, 'u32');
    if (!data.ok) return data;
    flat.push(gsi.value, lo.value, 0, data.value);
  }
  return success(flat);
}
