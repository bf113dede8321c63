import { describe, expect, it } from 'vitest';
import type { Emitted, OpCommand } from '../../machines/MachineEmitted.js';
import { fail, ok } from '../../src/pipeline/driver/IoctlResult.js';
import { DRIVE_ROUNDS_MAX, driveMachine } from '../../src/runtime/driveMachine.js';

const op = (name: string): OpCommand => ({ type: 'op', op: name, args: {} });
const refusal: Emitted = { type: 'rejected', request: 'CLOSE', errno: 'EBUSY', rule: 'noOperationInFlight' };
const failure = fail<null>('MSHV_CREATE_VP', 'ENOMEM', 'no pages');

describe('driveMachine: one request through its machine', () => {
  it('a refused request is answered with its errno and rule, and nothing is performed', () => {
    let performed = 0;
    const outcome = driveMachine('vm0', [refusal], () => {
      performed += 1;
      return { result: ok(null), next: [] };
    });
    expect(outcome).toEqual({ status: 'rejected', errno: 'EBUSY', rule: 'noOperationInFlight' });
    expect(performed).toBe(0);
  });

  it('performs each command in turn and ends done with the last value, or failed with the last failure', () => {
    const queue: Emitted[][] = [[op('B')], [op('C')], []];
    const seen: string[] = [];
    const done = driveMachine('vm0', [op('A')], (cmd) => {
      seen.push(cmd.op);
      return { result: ok(seen.length), next: queue.shift() ?? [] };
    });
    expect(seen).toEqual(['A', 'B', 'C']);
    expect(done).toEqual({ status: 'done', value: 3 });
    // A failure is kept even when a later command (a teardown step) succeeds.
    const steps: Emitted[][] = [[op('B')], []];
    const failed = driveMachine('vm0', [op('A')], (cmd) => ({
      result: cmd.op === 'A' ? failure : ok<number | null>(1),
      next: steps.shift() ?? [],
    }));
    expect(failed).toEqual({ status: 'failed', error: failure.ok ? null : failure.error });
  });

  it('an outcome from perform ends the request there (a run gone to sleep)', () => {
    const outcome = driveMachine('vm0/0', [op('MSHV_RUN_VP')], () => ({
      outcome: { status: 'pending', ticket: 7 },
    }));
    expect(outcome).toEqual({ status: 'pending', ticket: 7 });
  });

  it("a machine that refuses the runtime's own result, or never stops emitting, is a bug named by its machine", () => {
    expect(() => driveMachine('vm0', [op('A')], () => ({ result: ok(null), next: [refusal] }))).toThrow(
      "vm0: the machine refused the runtime's own result (noOperationInFlight)",
    );
    let rounds = 0;
    expect(() =>
      driveMachine('vm0/1', [op('A')], () => {
        rounds += 1;
        return { result: ok(null), next: [op('A')] };
      }),
    ).toThrow(`vm0/1: more than ${DRIVE_ROUNDS_MAX} operations for one request (machine livelock)`);
    expect(rounds).toBe(DRIVE_ROUNDS_MAX);
  });
});
