import { MSHV_MAX_VPS } from '../../hv/uapi/flags.js';
import type { OperationRequest } from './Operation.js';

/** A request's fields as they may arrive from untyped code. */
export type RequestFields = { readonly [K in keyof OperationRequest<unknown>]?: unknown };

/**
 * What is wrong with a request's fields, as a message naming the field and the rule, or undefined
 * when nothing is. `partition` may not contain '/', which separates the VP in queue names (`vm0/vp3`);
 * `vp` is below MSHV_MAX_VPS (256), as the kernel's CREATE_VP requires of every VP index (inventory
 * §c.5), which also bounds the lanes of one partition at 257.
 *
 * @example
 * requestProblem({ id: 1, partition: 'vm0', vp: 256, name: 'MSHV_RUN_VP', run });
 * // 'operation #1 (MSHV_RUN_VP): vp must be an integer in [0, 256) (MSHV_MAX_VPS)'
 */
export function requestProblem(req: RequestFields): string | undefined {
  const where = `operation #${String(req.id)} (${String(req.name)})`;
  if (typeof req.id !== 'number' || !Number.isSafeInteger(req.id) || req.id < 0)
    return `${where}: id must be a non-negative safe integer`;
  if (typeof req.partition !== 'string' || req.partition === '' || req.partition.includes('/'))
    return `${where}: partition must be a non-empty string without '/'`;
  const { vp } = req;
  if (vp !== undefined && (typeof vp !== 'number' || !Number.isInteger(vp) || vp < 0 || vp >= MSHV_MAX_VPS))
    return `${where}: vp must be an integer in [0, ${MSHV_MAX_VPS}) (MSHV_MAX_VPS)`;
  if (typeof req.name !== 'string' || req.name === '') return `${where}: name must be non-empty`;
  if (typeof req.run !== 'function') return `${where}: run must be a function`;
  return undefined;
}

/**
 * Checks the fields a caller (the api layer, the scenario runner) fills in before a request enters
 * the pipeline, and throws a TypeError naming the field and the rule (`requestProblem`). The stream
 * stages do not throw: they answer a malformed request that carries an identity with EINVAL, and
 * error the stream only for one they cannot answer (`refuseMalformed`).
 *
 * @example
 * checkRequest({ id: 1, partition: 'vm0', vp: 0, name: 'MSHV_RUN_VP', run }); // ok
 * checkRequest({ id: 1, partition: 'vm0', vp: -1, name: 'MSHV_RUN_VP', run }); // throws: vp …
 */
export function checkRequest(req: RequestFields): void {
  const problem = requestProblem(req);
  if (problem !== undefined) throw new TypeError(problem);
}
