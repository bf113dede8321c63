import type { OperationRequest } from './Operation.js';

const U32_MAX = 0xffff_ffff;

/** A request's fields as they may arrive from untyped code. */
export type RequestFields = { readonly [K in keyof OperationRequest<unknown>]?: unknown };

/**
 * Checks the fields a caller (the api layer, the scenario runner) fills in before a request enters
 * the pipeline. A malformed request is a broken invariant of the caller, not an operating error, so
 * this throws a TypeError naming the field and the rule; the stream stages turn it into a stream
 * error. `partition` may not contain '/', which separates the VP in queue names (`vm0/vp3`).
 *
 * @example
 * checkRequest({ id: 1, partition: 'vm0', vp: 0, name: 'MSHV_RUN_VP', run }); // ok
 * checkRequest({ id: 1, partition: 'vm0', vp: -1, name: 'MSHV_RUN_VP', run }); // throws: vp …
 */
export function checkRequest(req: RequestFields): void {
  const where = `operation #${String(req.id)} (${String(req.name)})`;
  if (typeof req.id !== 'number' || !Number.isSafeInteger(req.id) || req.id < 0)
    throw new TypeError(`${where}: id must be a non-negative safe integer`);
  if (typeof req.partition !== 'string' || req.partition === '' || req.partition.includes('/'))
    throw new TypeError(`${where}: partition must be a non-empty string without '/'`);
  const { vp } = req;
  if (vp !== undefined && (typeof vp !== 'number' || !Number.isInteger(vp) || vp < 0 || vp > U32_MAX))
    throw new TypeError(`${where}: vp must be an integer in [0, 2^32)`);
  if (typeof req.name !== 'string' || req.name === '')
    throw new TypeError(`${where}: name must be non-empty`);
  if (typeof req.run !== 'function') throw new TypeError(`${where}: run must be a function`);
}
