/**
 * An xstate state value as one dotted path: `'created'`, `{ live: 'running' }` → `'live.running'`,
 * `{ closing: { releaseVps: 'check' } }` → `'closing.releaseVps.check'`. The machines here have no
 * parallel states, so a value has one path.
 *
 * @example
 * stateName({ live: 'running' }); // 'live.running'
 */
export function stateName(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    const [first] = entries;
    if (entries.length === 1 && first !== undefined) return `${first[0]}.${stateName(first[1])}`;
  }
  throw new TypeError(`stateName: ${JSON.stringify(value)} is not a single state path`);
}
