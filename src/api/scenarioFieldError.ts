import { ScenarioError } from '../scenario/ScenarioError.js';
import { argumentError, type HostError } from './HostError.js';

/**
 * Values as the scenario codecs read them: bigints become `0x` strings, everything else is kept, so
 * a typed API argument is checked by the same codec (and the same rules) as a scenario file.
 *
 * @example
 * codecJson({ gpa: 0x1000n, size: 8 }); // { gpa: '0x1000', size: 8 }
 */
export function codecJson(value: unknown): unknown {
  if (typeof value === 'bigint')
    return value < 0n ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`;
  if (Array.isArray(value)) return value.map(codecJson);
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = codecJson(v);
    return out;
  }
  return value;
}

/**
 * Run a scenario codec over an API argument; its ScenarioError becomes an argument HostError whose
 * field is the path with `$` replaced by `root`, then passed through `rename` (other exceptions pass
 * through).
 *
 * @example
 * viaCodec('guest.exits', 'exits', () => guestExitCodec.read(json, '$[0]'));
 * // a bad port: { ok: false, error: { field: 'exits[0].port', rule: 'width', ... } }
 */
export function viaCodec<T>(
  op: string,
  root: string,
  read: () => T,
  rename: (field: string) => string = (f) => f,
): { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: HostError } {
  try {
    return { ok: true, value: read() };
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    const field = rename(e.path === '$' ? root : `${root}${e.path.slice(1)}`);
    return { ok: false, error: argumentError(op, field, e.rule, e.detail) };
  }
}
