import { type SchedulerLike, map, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';
import {
  type OperationOutcome,
  type OperationRequest,
  type OperationResult,
  resultOf,
} from '../../../src/pipeline/ops/Operation.js';

/** A TestScheduler whose frames are compared with deep equality. */
export const testScheduler = (): TestScheduler =>
  new TestScheduler((actual, expected) => {
    expect(actual).toEqual(expected);
  });

/** When each operation's routine was called, in virtual frames, by id. */
export type StartLog = Map<number, number>;

export interface SlowSpec {
  readonly id: number;
  readonly partition: string;
  readonly vp?: number;
  readonly frames: number;
  readonly name?: string;
}

/**
 * A request whose routine takes `frames` of virtual time on `scheduler` and answers its id; the
 * frame at which it was started goes into `starts`.
 */
export function slow(scheduler: SchedulerLike, starts: StartLog, spec: SlowSpec): OperationRequest<number> {
  const name = spec.name ?? (spec.vp === undefined ? 'MSHV_SET_GUEST_MEMORY' : 'MSHV_RUN_VP');
  return {
    id: spec.id,
    partition: spec.partition,
    ...(spec.vp === undefined ? {} : { vp: spec.vp }),
    name,
    run: () => {
      starts.set(spec.id, scheduler.now());
      return timer(spec.frames, scheduler).pipe(
        map((): OperationOutcome<number> => ({ ok: true, value: spec.id })),
      );
    },
  };
}

/** The successful result a `slow` request produces. */
export const done = (req: OperationRequest<number>): OperationResult<number> =>
  resultOf(req, { ok: true, value: req.id });

/** A synchronous request answering `outcome`. */
export function syncReq<T>(
  id: number,
  partition: string,
  outcome: OperationOutcome<T>,
  vp?: number,
): OperationRequest<T> {
  return { id, partition, ...(vp === undefined ? {} : { vp }), name: 'MSHV_CREATE_VP', run: () => outcome };
}
