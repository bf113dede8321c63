import type { ScenarioRule } from '../scenario/ScenarioError.js';

/**
 * The rules a snapshot can break, one name each, so callers and tests tell the classes apart
 * without reading the message. Values embedded from the scenario format (host memory, fault plan,
 * guest exits) report the scenario rule they break instead.
 */
export const SnapshotRules = [
  /** The text is not JSON. */
  'json-syntax',
  /** `format` is missing or not a snapshot. */
  'format',
  /** `version` or a part's `v` is one this build does not read. */
  'version',
  /** A value has the wrong JSON type. */
  'type',
  /** A required field is absent. */
  'required',
  /** A field the format does not define. */
  'unknown-field',
  /** A number that is not an integer, or a value outside its range. */
  'range',
  /** A 64-bit word that is not `0x` and 1 to 16 hex digits, or bytes that are not hex pairs. */
  'hex',
  /** Extents, runs or ids that are not sorted, overlap, or are not merged where they join. */
  'order',
  /** The same id, fd or key twice. */
  'duplicate',
  /** A reference to an object the snapshot does not hold (an fd naming no partition). */
  'reference',
  /** Counters that disagree with what they count, or a restored machine whose audit fails. */
  'consistency',
  /** The machine configuration is refused (the check the constructor makes). */
  'config',
  /** This build derives other knobs from the recorded configuration than the build that took it. */
  'knobs',
  /** The snapshot cannot be taken now (an interrupt window or an ioctl is open). */
  'busy',
] as const;

export type SnapshotRule = (typeof SnapshotRules)[number];

/**
 * A snapshot that cannot be restored (or taken). `path` is the JSON path of the offending value
 * (`$.machine.hv.partitions[1].pool.free[4]`), `rule` the rule it breaks, `detail` the explanation.
 *
 * @example
 * new SnapshotError('$.version', 'version', 'version 9 is not 1').message; // '$.version: version 9 is not 1'
 */
export class SnapshotError extends Error {
  override readonly name = 'SnapshotError';

  constructor(
    readonly path: string,
    readonly rule: SnapshotRule | ScenarioRule,
    readonly detail: string,
  ) {
    super(`${path}: ${detail}`);
  }
}

/** A restore's answer: the restored value, or the first problem found (nothing was built then). */
export type SnapshotResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: SnapshotError };
