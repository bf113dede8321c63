import type { JsonValue } from './JsonValue.js';

/**
 * One entry of the event log. The union is closed: `kind` says which, and each kind's encoding
 * carries its own version (`RECORD_VERSIONS`) so one kind can change without renumbering the rest.
 * In memory 64-bit words are bigint and bytes are Uint8Array; the encoding (`encodeRecord`) writes
 * words as `0x` + 16 hex digits and bytes as lowercase hex.
 */
export type LogRecord =
  IntentRecord | TransitionRecord | OperationRecord | HypercallRecord | ResultRecord | SnapshotRecord;

/** The record kinds, in the order `log info` lists them. */
export const RECORD_KINDS = ['intent', 'transition', 'operation', 'hypercall', 'result', 'snapshot'] as const;

export type RecordKind = (typeof RECORD_KINDS)[number];

/** The encoding version of each kind that this build writes and reads. */
export const RECORD_VERSIONS: Readonly<Record<RecordKind, number>> = {
  intent: 1,
  transition: 1,
  operation: 1,
  hypercall: 1,
  result: 1,
  snapshot: 1,
};

/** An API call as the caller made it (`partition.mapMemory(...)`): the input replay re-runs. */
export interface IntentRecord {
  readonly kind: 'intent';
  /** The call, e.g. `partition.mapMemory`. */
  readonly name: string;
  /** Its arguments, JSON-safe: bigints as strings, bytes as hex. */
  readonly args: JsonValue;
}

/** A lifecycle machine taking a transition. */
export interface TransitionRecord {
  readonly kind: 'transition';
  /** The machine instance, e.g. `vm0` or `vm0/vp3`. */
  readonly machine: string;
  readonly from: string;
  /** The event type that caused it. */
  readonly event: string;
  readonly to: string;
}

/** A /dev/mshv operation (an ioctl) as the driver received it. */
export interface OperationRecord {
  readonly kind: 'operation';
  /** The pipeline's operation id, shared with its result; null where there is none. */
  readonly id: number | null;
  /** The ioctl name, e.g. MSHV_SET_GUEST_MEMORY. */
  readonly name: string;
  /**
   * The fd the ioctl was issued on, a C int: negative for a bad fd passed as is (a scenario's
   * negative eventfd number, or -1 where the step's partition or VP has no fd: EBADF); null before
   * one exists (or when not modelled).
   */
  readonly fd: number | null;
  /** The partition key; null for /dev/mshv itself. */
  readonly partition: string | null;
  /** The VP index for VP ioctls, else null. */
  readonly vp: number | null;
  /** The ioctl request number (u32). */
  readonly request: number;
  /** The argument struct, decoded, JSON-safe. */
  readonly args: JsonValue;
}

/** One hypercall as it crossed the HypervisorPort: what replay compares byte for byte. */
export interface HypercallRecord {
  readonly kind: 'hypercall';
  readonly name: string;
  /** The call code (u16). */
  readonly code: number;
  /** The control word (u64). */
  readonly control: bigint;
  /** Input bytes: fixed header then list entries; for fast calls the register bytes. At most a page. */
  readonly input: Uint8Array;
  /** The status word (u64): result, reps completed. */
  readonly status: bigint;
  readonly repsCompleted: number;
  /** Output bytes the caller used, or null where the call has none. At most a page. */
  readonly output: Uint8Array | null;
  /** The interrupt window it ran in; null for fast calls. */
  readonly window: number | null;
  /** The /dev/mshv operation the call served. */
  readonly op: string;
}

/** An operation's outcome: a value, or the driver's error (errno and, from a hypercall, its status). */
export interface ResultRecord {
  readonly kind: 'result';
  /** The operation id, as in its OperationRecord; null where there is none. */
  readonly id: number | null;
  /** The ioctl (or teardown step) that finished. */
  readonly op: string;
  readonly outcome: ResultOutcome;
}

export type ResultOutcome =
  | { readonly ok: true; readonly value: JsonValue }
  | {
      readonly ok: false;
      /** The positive errno value. */
      readonly errno: number;
      readonly errnoName: string;
      /**
       * The hypervisor status the driver reported when a hypercall failed, else null: hv_result(),
       * the status word's low 16 bits, from the shipped driver. A driver under test may report a
       * wider value (the whole word, seed review point 9); the log keeps it as reported, any
       * non-negative safe integer, so the run that shows the bug is logged and replays.
       */
      readonly hvStatus: number | null;
      readonly hvStatusName: string | null;
      /** The failing hypercall's name, else null. */
      readonly hypercall: string | null;
      readonly message: string;
    };

/**
 * Machine and simulator state, opaque to the log, written every N records by the caller so replay
 * can restore from it and run only the tail.
 */
export interface SnapshotRecord {
  readonly kind: 'snapshot';
  readonly state: JsonValue;
}

/** A record as stored: its sequence number (1, 2, ...) and chained checksum (16 hex digits). */
export interface StoredRecord {
  readonly seq: number;
  readonly checksum: string;
  /** The body as stored: canonical JSON text, what the checksum covers. */
  readonly body: string;
  /**
   * The record's kind: the decoded body's, or for a record whose decoding is deferred
   * (`ReadOptions.deferKinds`) the kind column's, checked against the body's when it is decoded.
   */
  readonly kind: RecordKind;
  readonly record: LogRecord;
}
