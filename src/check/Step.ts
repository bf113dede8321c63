import { hvStatusName } from '../hv/HvStatus.js';
import type { Intent } from '../runtime/applyIntent.js';
import type { FaultChoice } from './CheckModel.js';

/**
 * One step of an explored path:
 * - `intent`: a ControlPlane call, exactly as the plane records it (`name`, `args`);
 * - `fault`: arm a hypervisor fault: the call `skip + 1` calls of `call` from now answers `status`
 *   (resolved to a planned fault `{ call, nth }` when the step runs), or, with `completionDelayNs`,
 *   runs and completes that much simulated time late;
 * - `crash`: the VMM process dies: `recover` runs on the log it committed, and the kernel closes every
 *   fd it held (the driver's release path). With `inside`, it dies inside that intent, once its
 *   `afterOperations`-th operation has completed in the kernel and before its result is committed:
 *   what the kernel did for it stays, the log ends at the previous commit.
 */
export type Step =
  | ({ readonly kind: 'intent' } & Intent)
  | ({ readonly kind: 'fault' } & FaultChoice)
  | { readonly kind: 'crash'; readonly inside?: InsideCrash };

/** Where inside an intent the VMM dies: after that many of its operations completed (1 = the first). */
export interface InsideCrash {
  readonly intent: Intent;
  readonly afterOperations: number;
}

/**
 * One line naming a step, for traces and progress.
 *
 * @example
 * describeStep({ kind: 'intent', name: 'partition', args: { key: 'vm0', request: { type: 'START' } } });
 * // 'vm0 START'
 */
export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'fault': {
      const which = `${step.call} call +${step.skip + 1}`;
      const late = step.completionDelayNs;
      return late === undefined
        ? `arm fault: ${which} answers ${hvStatusName(step.status)}`
        : `arm late completion: ${which} answers CALL_PENDING and completes ${late} ns later`;
    }
    case 'crash':
      return step.inside === undefined
        ? 'crash: the VMM process dies (recover runs on its log; the kernel closes every fd)'
        : `crash inside ${describeIntent(step.inside.intent)}, after its operation ${step.inside.afterOperations} completed in the kernel, its result not committed (recover runs on the committed log; the kernel closes every fd)`;
    case 'intent':
      return describeIntent(step);
  }
}

function describeIntent(i: Intent): string {
  const a = (i.args ?? {}) as Readonly<Record<string, unknown>>;
  const key = typeof a.key === 'string' ? a.key : '?';
  const vp = typeof a.vp === 'number' ? `/vp${a.vp}` : '';
  const request = (a.request ?? {}) as Readonly<Record<string, unknown>>;
  const { type, ...fields } = request;
  const rest = Object.keys(fields).length === 0 ? '' : ` ${JSON.stringify(fields)}`;
  switch (i.name) {
    case 'createPartition':
      return `createPartition ${key} ${JSON.stringify(a.args)}`;
    case 'partition':
    case 'vp':
      return `${key}${vp} ${String(type)}${rest}`;
    case 'guest':
      return `${key}${vp} guest ${JSON.stringify(a.exits)}`;
    case 'signal':
      return `${key}${vp} signal`;
    case 'writeEventfd':
      return `eventfd ${String(a.fd)} write ${String(a.value)}`;
    case 'migrateUserPages':
      return a.during === 'nextFaultIn'
        ? `host migrates ${String(a.size)} bytes at ${String(a.userAddr)} during the next fault-in`
        : `host migrates ${String(a.size)} bytes at ${String(a.userAddr)}`;
    default:
      return `${i.name} ${JSON.stringify(i.args)}`;
  }
}
