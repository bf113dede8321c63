import type { JsonValue } from '../log/JsonValue.js';
import type { Intent } from '../runtime/applyIntent.js';
import type { Step } from './Step.js';

type Args = Readonly<Record<string, JsonValue>>;

const objectOf = (v: JsonValue | undefined): Args | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Args) : undefined;
const argsOf = (i: Intent): Args | undefined => objectOf(i.args);

/** Every intent of a path mapped by `f`: intent steps and the intent a crash happens inside. */
function mapIntents(path: readonly Step[], f: (i: Intent) => Intent): Step[] {
  return path.map((s): Step => {
    if (s.kind === 'intent') return { kind: 'intent', ...f({ name: s.name, args: s.args }) };
    if (s.kind === 'crash' && s.inside !== undefined)
      return { kind: 'crash', inside: { ...s.inside, intent: f(s.inside.intent) } };
    return s;
  });
}

/** Every intent of a path, crash-inside intents included. */
function intentsOf(path: readonly Step[]): Intent[] {
  const out: Intent[] = [];
  mapIntents(path, (i) => {
    out.push(i);
    return i;
  });
  return out;
}

/** The VP indexes an intent names for its partition: a VP intent's `vp`, a request's `vp` member. */
function vpsNamed(i: Intent): number[] {
  const a = argsOf(i);
  if (a === undefined) return [];
  const out: number[] = [];
  if (typeof a.vp === 'number') out.push(a.vp);
  const request = objectOf(a.request);
  if (typeof request?.vp === 'number') out.push(request.vp);
  return out;
}

/** An intent of partition `key` with VP index `from` renamed `to` wherever it names a VP. */
function renameVpIn(i: Intent, key: string, from: number, to: number): Intent {
  const a = argsOf(i);
  if (a?.key !== key) return i;
  const out: Record<string, JsonValue> = { ...a };
  if (a.vp === from) out.vp = to;
  const request = objectOf(a.request);
  if (request?.vp === from) out.request = { ...request, vp: to };
  return { name: i.name, args: out };
}

/** The smallest natural number below `n` not in `used`, or undefined. */
function smallestFree(used: ReadonlySet<number>, n: number): number | undefined {
  for (let k = 0; k < n; k++) if (!used.has(k)) return k;
  return undefined;
}

const PARTITION_KEY = /^vm(\d+)$/;

/**
 * Candidate simplifications of a whole path by consistent renaming, simplest first: each VP index a
 * partition's intents name (`vp` of VP, guest and signal intents, `request.vp` of partition
 * requests such as CREATE_VP) renamed to the smallest index that partition's intents do not name,
 * in every step at once (vp1 → vp0 everywhere); then each partition key `vmN` renamed to the
 * smallest `vmM` (M < N) no step names. Other members that may hold a VP index (a route's table, an
 * APIC id) are left as they are: a candidate that loses the violation is simply not kept.
 *
 * @example
 * pathRenames(path).map((p) => p.map(describeStep));
 * // [['createPartition vm0 …', 'vm0 CREATE_VP {"vp":0}', 'vm0/vp0 RUN'], …] for a path on vm0/vp1
 */
export function pathRenames(path: readonly Step[]): Step[][] {
  const intents = intentsOf(path);
  const vps = new Map<string, Set<number>>();
  for (const i of intents) {
    const key = argsOf(i)?.key;
    if (typeof key !== 'string') continue;
    const used = vps.get(key) ?? new Set<number>();
    for (const v of vpsNamed(i)) used.add(v);
    vps.set(key, used);
  }
  const out: Step[][] = [];
  for (const [key, used] of vps)
    for (const from of [...used].sort((a, b) => a - b)) {
      const to = smallestFree(used, from);
      if (to !== undefined) out.push(mapIntents(path, (i) => renameVpIn(i, key, from, to)));
    }
  const keys = new Set<string>();
  for (const i of intents) {
    const key = argsOf(i)?.key;
    if (typeof key === 'string') keys.add(key);
  }
  const numbers = new Set(
    [...keys].map((k) => PARTITION_KEY.exec(k)?.[1]).flatMap((n) => (n === undefined ? [] : [Number(n)])),
  );
  for (const n of [...numbers].sort((a, b) => a - b)) {
    const to = smallestFree(numbers, n);
    if (to === undefined || keys.has(`vm${to}`)) continue;
    const from = `vm${n}`;
    out.push(
      mapIntents(path, (i) => {
        const a = argsOf(i);
        return a?.key === from ? { name: i.name, args: { ...a, key: `vm${to}` } } : i;
      }),
    );
  }
  return out;
}
