import { type IoctlResult, fail } from './IoctlResult.js';
import { userPointer } from './userPointer.js';

/**
 * Null when an ioctl's table argument is an array whose entries are all structs, else EFAULT as
 * `userPointer` answers a missing struct: the table or the entry that is not there.
 *
 * @example
 * userTablePointer('MSHV_SET_MSI_ROUTING', 'mshv_user_irq_table', [null])?.error.message;
 * // 'mshv_user_irq_table.entries[0]: no struct at the argument pointer (got null)'
 */
export function userTablePointer(op: string, table: string, entries: unknown): IoctlResult<never> | null {
  if (!Array.isArray(entries))
    return fail(op, 'EFAULT', `${table}: no table at the argument pointer (expected an array)`);
  for (const [i, e] of (entries as readonly unknown[]).entries()) {
    const bad = userPointer(op, `${table}.entries[${i}]`, e);
    if (bad !== null) return bad;
  }
  return null;
}
