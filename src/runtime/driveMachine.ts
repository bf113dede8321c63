import type { Emitted, OpCommand, Rejection } from '../../machines/MachineEmitted.js';
import type { JsonValue } from '../log/JsonValue.js';
import type { IoctlResult, MshvError } from '../pipeline/driver/IoctlResult.js';
import type { RequestOutcome } from './RequestOutcome.js';

/** Commands one request may drive through its machine before the runtime calls it a livelock. */
export const DRIVE_ROUNDS_MAX = 4096;

/**
 * What performing one command came to: its result and what the machine emitted when stepped with
 * it, or an outcome that ends the request there (a run gone to sleep, a kick sent).
 */
export type Performed<O extends string> =
  | { readonly result: IoctlResult<JsonValue>; readonly next: readonly Emitted<O>[] }
  | { readonly outcome: RequestOutcome };

/**
 * Drive a machine through one request, from what it emitted for the request: a refusal answers
 * the request (`rejected`, nothing performed); each command is performed by `perform`, which steps
 * the machine with the result, until the machine emits no command. The request is then done with
 * the last result's value, or failed with the last failure. A refusal of the runtime's own result
 * and more than DRIVE_ROUNDS_MAX commands are bugs of the machine, thrown naming `name`.
 *
 * @example
 * driveMachine('vm0', emitted, (cmd) => ({ result: perform(cmd), next: step(cmd) }));
 */
export function driveMachine<O extends string>(
  name: string,
  first: readonly Emitted<O>[],
  perform: (cmd: OpCommand<O>) => Performed<O>,
): RequestOutcome {
  let emitted = first;
  let value: JsonValue = null;
  let failure: MshvError | undefined;
  for (let round = 0; round < DRIVE_ROUNDS_MAX; round++) {
    const refusal = emitted.find(isRejection);
    if (refusal !== undefined) {
      if (round > 0)
        throw new Error(`${name}: the machine refused the runtime's own result (${refusal.rule})`);
      return { status: 'rejected', errno: refusal.errno, rule: refusal.rule };
    }
    const cmd = emitted.find(isOp);
    if (cmd === undefined)
      return failure === undefined ? { status: 'done', value } : { status: 'failed', error: failure };
    const p = perform(cmd);
    if ('outcome' in p) return p.outcome;
    if (p.result.ok) value = p.result.value;
    else failure = p.result.error;
    emitted = p.next;
  }
  throw new Error(`${name}: more than ${DRIVE_ROUNDS_MAX} operations for one request (machine livelock)`);
}

function isOp<O extends string>(e: Emitted<O>): e is OpCommand<O> {
  return e.type === 'op';
}

function isRejection(e: Emitted): e is Rejection {
  return e.type === 'rejected';
}
