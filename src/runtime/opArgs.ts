import type { OpArgs } from '../../machines/MachineEmitted.js';
import { type IoctlResult, fail, ok } from '../pipeline/driver/IoctlResult.js';

const U64_MAX = (1n << 64n) - 1n;

/**
 * A u64 argument of an operation: a safe integer, or a decimal or `0x` hex string (how 64-bit
 * values travel in machine commands and log records). An absent or malformed one is EINVAL naming
 * the argument and the rule.
 *
 * @example
 * u64Arg('MSHV_SET_GUEST_MEMORY', { size: '0x200000' }, 'size'); // { ok: true, value: 2097152n }
 */
export function u64Arg(op: string, args: OpArgs, name: string, fallback?: bigint): IoctlResult<bigint> {
  const v = args[name];
  if (v === undefined && fallback !== undefined) return ok(fallback);
  let n: bigint | undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v)) n = BigInt(v);
  else if (typeof v === 'string' && /^(0x[0-9a-fA-F]+|\d+)$/.test(v)) n = BigInt(v);
  if (n === undefined || n < 0n || n > U64_MAX)
    return fail(
      op,
      'EINVAL',
      `args.${name}: ${JSON.stringify(v ?? null)} is not a u64 (integer or 0x hex string)`,
    );
  return ok(n);
}

/**
 * A non-negative integer argument no larger than `max`; EINVAL naming it otherwise.
 *
 * @example
 * intArg('MSHV_IRQFD', { gsi: 5 }, 'gsi', 0xffff_ffff); // { ok: true, value: 5 }
 */
export function intArg(
  op: string,
  args: OpArgs,
  name: string,
  max: number,
  fallback?: number,
): IoctlResult<number> {
  const v = args[name];
  if (v === undefined && fallback !== undefined) return ok(fallback);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max)
    return fail(op, 'EINVAL', `args.${name}: ${JSON.stringify(v ?? null)} is not an integer in [0, ${max}]`);
  return ok(v);
}

/**
 * A signed 32-bit integer argument (an fd, where -1 is a bad fd the kernel answers EBADF to).
 *
 * @example
 * fdArg('MSHV_IRQFD', { fd: -1 }, 'fd'); // { ok: true, value: -1 }
 */
export function fdArg(op: string, args: OpArgs, name: string, fallback?: number): IoctlResult<number> {
  const v = args[name];
  if (v === undefined && fallback !== undefined) return ok(fallback);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -0x8000_0000 || v > 0x7fff_ffff)
    return fail(op, 'EINVAL', `args.${name}: ${JSON.stringify(v ?? null)} is not an s32 fd`);
  return ok(v);
}

/**
 * `0x` + lowercase hex of a u64, the form 64-bit values take in op values and records.
 *
 * @example
 * hex64(0x200000n); // '0x200000'
 */
export function hex64(v: bigint): string {
  return `0x${v.toString(16)}`;
}
