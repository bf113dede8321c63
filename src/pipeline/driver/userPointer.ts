import { type IoctlResult, fail } from './IoctlResult.js';

/**
 * Null when an ioctl's struct argument is there, else EFAULT as the kernel answers a NULL or wild
 * argument pointer (copy_from_user fails before anything else is read): a DevicePort caller from
 * JavaScript that passes no struct, null or a non-object. `bytes` names the buffer fields a struct
 * points at (a root hvcall's input): each must be a Uint8Array.
 *
 * @example
 * userPointer('MSHV_IRQFD', 'mshv_user_irqfd', undefined)?.error.errnoName; // 'EFAULT'
 */
export function userPointer(
  op: string,
  struct: string,
  arg: unknown,
  bytes: readonly string[] = [],
): IoctlResult<never> | null {
  if (arg === null || typeof arg !== 'object')
    return fail(
      op,
      'EFAULT',
      `${struct}: no struct at the argument pointer (got ${arg === null ? 'null' : typeof arg})`,
    );
  for (const field of bytes)
    if (!((arg as Readonly<Record<string, unknown>>)[field] instanceof Uint8Array))
      return fail(op, 'EFAULT', `${struct}.${field}: no buffer at the pointer (expected a Uint8Array)`);
  return null;
}
