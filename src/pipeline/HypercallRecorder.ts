import type { HvPage } from '../ports/HvPage.js';

/** One hypercall as it crossed the HypervisorPort: the unit of the trace and of the event log. */
export interface HypercallEvent {
  readonly name: string;
  readonly code: number;
  readonly control: bigint;
  readonly fast: boolean;
  readonly repCount: number;
  readonly repStart: number;
  /** The interrupt window it ran in; null for fast calls. */
  readonly window: number | null;
  /** Input bytes passed: fixed header then the list entries; for fast calls the register bytes. */
  readonly input: Uint8Array;
  readonly statusWord: bigint;
  readonly result: number;
  readonly repsCompleted: number;
  /** Output bytes the caller used; undefined where there are none. */
  readonly output: Uint8Array | undefined;
  /** The /dev/mshv operation the call served. */
  readonly op: string;
}

/**
 * Receives every hypercall. `wantsBytes` lets the hot path skip copying page bytes when nobody reads
 * them (the 1 TiB bench counts calls; the trace and the log need every byte): `true` gets copies it
 * may keep; `'view'` gets views of the pipeline's pages, valid only inside `record` (replay compares
 * each call with the log's at once and keeps nothing); `false` gets empty arrays.
 */
export interface HypercallRecorder {
  readonly wantsBytes: boolean | 'view';
  record(event: HypercallEvent): void;
}

/** The shared empty byte array recorders get when they do not want bytes. */
const NO_BYTES = new Uint8Array(0);

/**
 * The `length` bytes of a page a call passed: a copy, a view for a recorder that only looks
 * (`'view'`), or an empty array when not wanted.
 *
 * @example
 * pageBytes(page, 24, true); // a copy of the first 24 bytes ('view': a view of them; false: empty)
 */
export function pageBytes(page: HvPage | null, length: number, wanted: boolean | 'view'): Uint8Array {
  if (wanted === false || page === null) return NO_BYTES;
  return wanted === 'view' ? page.bytes.subarray(0, length) : page.bytes.slice(0, length);
}

/**
 * Counts calls by name; keeps no bytes.
 *
 * @example
 * const rec = new CountingRecorder();
 * rec.record(event); rec.record(event); rec.byName.get(event.name); // 2
 */
export class CountingRecorder implements HypercallRecorder {
  readonly wantsBytes = false;
  readonly byName = new Map<string, number>();
  total = 0;

  record(event: HypercallEvent): void {
    this.total += 1;
    this.byName.set(event.name, (this.byName.get(event.name) ?? 0) + 1);
  }
}
