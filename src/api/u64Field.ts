import { argumentError } from './HostError.js';
import { type Result, failure, success } from './Result.js';
import { describeArg } from '../scenario/describeArg.js';

/** 2^64: the first value a u64 cannot hold. */
export const U64_END = 1n << 64n;

/**
 * An unsigned 64-bit argument: a bigint, or a non-negative safe integer number, below 2^64. Anything
 * else is EINVAL naming the field (rule `u64`).
 *
 * @example
 * u64Field('partition.mapMemory', 'size', 0x20_0000); // { ok: true, value: 2097152n }
 * u64Field('partition.mapMemory', 'size', 1n << 64n); // EINVAL: size: 0x10000000000000000 does not fit u64
 */
export function u64Field(op: string, field: string, value: unknown): Result<bigint> {
  let v: bigint | undefined;
  if (typeof value === 'bigint') v = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) v = BigInt(value);
  if (v === undefined)
    return failure(
      argumentError(op, field, 'u64', `${describeArg(value)} is not an integer (bigint or safe number)`),
    );
  if (v < 0n || v >= U64_END)
    return failure(argumentError(op, field, 'u64', `${v < 0n ? v : `0x${v.toString(16)}`} does not fit u64`));
  return success(v);
}

/**
 * An integer argument in [min, max]; EINVAL naming the field and `rule` otherwise.
 *
 * @example
 * intField('vp.readDirty', 'pages', 70_000, 1, 65_536, 'dirtyReadWithinBitmapMax'); // EINVAL
 */
export function intField(
  op: string,
  field: string,
  value: unknown,
  min: number,
  max: number,
  rule: string,
): Result<number> {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    return failure(
      argumentError(op, field, rule, `${describeArg(value)} is not an integer in [${min}, ${max}]`),
    );
  return success(value);
}

/**
 * An optional flag argument: absent is false; anything but true or false is EINVAL naming the field
 * (rule `boolean`), never read as false.
 *
 * @example
 * boolField('partition.assignIoeventfd', 'pio', 'yes'); // EINVAL: pio: "yes" is not true or false
 */
export function boolField(op: string, field: string, value: unknown): Result<boolean> {
  if (value === undefined) return success(false);
  if (typeof value === 'boolean') return success(value);
  return failure(argumentError(op, field, 'boolean', `${describeArg(value)} is not true or false`));
}
