import type { HypercallEvent, HypercallRecorder } from '../pipeline/HypercallRecorder.js';
import { hexWord, toHex } from './hex.js';

/** One trace line (scenario-format.md, "Trace"): an ioctl or a hypercall. */
export type TraceRecord =
  | {
      readonly seq: number;
      readonly kind: 'ioctl';
      readonly partition: string;
      readonly name: string;
      readonly request: string;
      /** The return value: 0, a positive value or `-ERRNO`; `none` for an ioctl that never returned. */
      readonly result: string;
      /** Why the ioctl never returned (an aborted step); only then present, on the run's last ioctl. */
      readonly aborted?: string;
    }
  | {
      readonly seq: number;
      readonly kind: 'hypercall';
      readonly partition: string;
      readonly name: string;
      readonly code: string;
      readonly control: string;
      readonly fast: boolean;
      readonly repCount: number;
      readonly repStart: number;
      readonly window: number | null;
      readonly input: string;
      readonly status: string;
      readonly repsCompleted: number;
      readonly output?: string;
    };

/** Where a trace is between ioctls: the last sequence number and the partition calls act for. */
export interface TraceCursor {
  readonly seq: number;
  readonly partition: string;
}

/**
 * Collects the trace of a run: each ioctl record is numbered when the ioctl starts and written with
 * its result once it returns, followed by the hypercalls it issued, so the lines read in the order
 * things happened and every run of the same scenario and seed prints the same bytes.
 *
 * @example
 * const t = new TraceRecorder();
 * t.beginIoctl('vm0', 'MSHV_CREATE_PARTITION', 0x4010b800);
 * t.endIoctl(3);
 */
export class TraceRecorder implements HypercallRecorder {
  readonly wantsBytes = true;
  readonly #lines: string[] = [];
  #seq = 0;
  #pending:
    { seq: number; partition: string; name: string; request: number; calls: TraceRecord[] } | undefined;
  #partition = '';

  /**
   * @param from where an earlier trace stopped (a restored run continues its numbering).
   */
  constructor(from?: TraceCursor) {
    if (from !== undefined) {
      this.#seq = from.seq;
      this.#partition = from.partition;
    }
  }

  /**
   * Where this trace is, for snapshots; only between ioctls (inside one it throws).
   *
   * @example
   * new TraceRecorder(t.cursor()); // continues t's numbering
   */
  cursor(): TraceCursor {
    if (this.#pending !== undefined) throw new Error(`trace cursor taken inside ${this.#pending.name}`);
    return { seq: this.#seq, partition: this.#partition };
  }

  /** The partition the calls that follow act for (outside an ioctl: teardown, deposits). */
  setPartition(name: string): void {
    this.#partition = name;
  }

  beginIoctl(partition: string, name: string, request: number): void {
    if (this.#pending !== undefined) throw new Error(`ioctl ${name} begins inside ${this.#pending.name}`);
    this.#partition = partition;
    this.#seq += 1;
    this.#pending = { seq: this.#seq, partition, name, request, calls: [] };
  }

  /** Close the open ioctl with its return value (0, a positive value, or a negative errno). */
  endIoctl(result: number): void {
    if (this.#pending === undefined) throw new Error('endIoctl without beginIoctl');
    this.#closeIoctl({ result: String(result) });
  }

  /**
   * Close the open ioctl, if any, as one that never returned (an aborted step): its record gets
   * result `none` and `aborted` saying why, followed by the hypercalls it issued. The trace then ends.
   *
   * @example
   * t.abortIoctl('SET_PARTITION_PROPERTY call 1 answered CALL_PENDING …');
   */
  abortIoctl(why: string): void {
    if (this.#pending === undefined) return;
    this.#closeIoctl({ result: 'none', aborted: why });
  }

  /** Write the open ioctl's record with how it ended, then the hypercalls it issued. */
  #closeIoctl(end: { readonly result: string; readonly aborted?: string }): void {
    const p = this.#pending;
    if (p === undefined) return;
    this.#pending = undefined;
    this.#push({
      seq: p.seq,
      kind: 'ioctl',
      partition: p.partition,
      name: p.name,
      request: hexWord(p.request >>> 0, 8),
      ...end,
    });
    for (const c of p.calls) this.#push(c);
  }

  record(e: HypercallEvent): void {
    const rec: TraceRecord = {
      seq: 0,
      kind: 'hypercall',
      partition: this.#pending?.partition ?? this.#partition,
      name: e.name,
      code: hexWord(e.code, 4),
      control: hexWord(e.control, 16),
      fast: e.fast,
      repCount: e.repCount,
      repStart: e.repStart,
      window: e.window,
      input: toHex(e.input),
      status: hexWord(e.result, 4),
      repsCompleted: e.repsCompleted,
      ...(e.output === undefined ? {} : { output: toHex(e.output) }),
    };
    if (this.#pending !== undefined) {
      this.#seq += 1;
      this.#pending.calls.push({ ...rec, seq: this.#seq });
    } else {
      this.#seq += 1;
      this.#push({ ...rec, seq: this.#seq });
    }
  }

  /** The JSON Lines so far. */
  lines(): readonly string[] {
    return this.#lines;
  }

  #push(r: TraceRecord): void {
    this.#lines.push(JSON.stringify(r));
  }
}
