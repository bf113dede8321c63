import type { JsonValue } from '../log/JsonValue.js';
import type { IoctlResult } from '../pipeline/driver/IoctlResult.js';
import type { Step } from '../scenario/Scenario.js';

/** An operation as a runner starts it: an ioctl on an fd (or /dev/mshv), or close(2) of an fd. */
export interface OperationStart {
  /** The run's operation number (1, 2, ...): what the operation and result records share. */
  readonly id: number;
  /** The scenario's partition name the operation acts for. */
  readonly partition: string;
  /** The ioctl name (`MSHV_SET_GUEST_MEMORY`), or `close`. */
  readonly name: string;
  /** The ioctl request number; 0 for close(2). */
  readonly request: number;
  /** The fd it is issued on; null for /dev/mshv itself. */
  readonly fd: number | null;
  /** The VP index for a VP fd, else null. */
  readonly vp: number | null;
  /** The argument struct as the device received it, JSON-safe (u64 as `0x` strings, bytes as hex). */
  readonly args: JsonValue;
}

/**
 * What a scenario run reports as it goes, for the event log: each step as it begins, then each
 * operation it performs, with its outcome. The hypercalls an operation issues reach the world's
 * hypercall recorder between `begin` and `end`.
 *
 * @example
 * const observer: OperationObserver = { step: () => {}, begin: (op) => console.log(op.name), end: () => {} };
 */
export interface OperationObserver {
  step(index: number, step: Step): void;
  begin(op: OperationStart): void;
  /** The operation returned; its value JSON-safe. */
  end(outcome: IoctlResult<JsonValue>): void;
}
