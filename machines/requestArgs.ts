import type { OpArgs } from './MachineEmitted.js';

/**
 * A request's own fields, its `detail` flattened in, as the arguments its operation carries; empty
 * for an event that is not one of `requests` (results, xstate's internal events).
 *
 * @example
 * requestArgs({ type: 'CREATE_VP', vp: 3 }, ['CREATE_VP']); // { vp: 3 }
 */
export function requestArgs(event: { readonly type: string }, requests: readonly string[]): OpArgs {
  if (!requests.includes(event.type)) return {};
  const { detail, ...own } = event as { readonly type: string; readonly detail?: OpArgs } & Record<
    string,
    unknown
  >;
  const args: Record<string, unknown> = { ...detail, ...own };
  delete args.type;
  return args as OpArgs;
}
