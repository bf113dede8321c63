/** The part of an xstate StateNode the diagram reads. */
export interface StateNodeLike {
  readonly key: string;
  readonly type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  readonly path: readonly string[];
  readonly states: Readonly<Record<string, StateNodeLike>>;
  readonly transitions: ReadonlyMap<string, readonly TransitionLike[]>;
  readonly always?: readonly TransitionLike[] | undefined;
  readonly initial: { readonly target: readonly StateNodeLike[] } | undefined;
  readonly history: false | 'shallow' | 'deep';
  readonly entry: readonly unknown[];
}

/** The part of an xstate TransitionDefinition the diagram reads. */
export interface TransitionLike {
  readonly target: readonly StateNodeLike[] | undefined;
  readonly eventType: string;
  readonly guard?: unknown;
  readonly actions: readonly unknown[];
}

/** A state of the diagram; `id` is the dotted path from the machine root ('' for the root). */
export interface GraphState {
  readonly id: string;
  readonly key: string;
  readonly type: StateNodeLike['type'];
  readonly history: StateNodeLike['history'];
  /** The id of the initial child, for a compound state. */
  readonly initial: string | null;
  /** Entry actions as text: what entering the state emits. */
  readonly entry: readonly string[];
  readonly children: readonly GraphState[];
}

/** A transition of the diagram: targetless ones (refusals, no-ops) have no targets. */
export interface GraphTransition {
  readonly source: string;
  readonly targets: readonly string[];
  /** The event descriptor; `always` for an eventless transition. */
  readonly event: string;
  readonly guard: string | null;
  readonly actions: readonly string[];
}

/** A machine definition as data, for rendering. */
export interface MachineGraph {
  readonly id: string;
  readonly root: GraphState;
  readonly transitions: readonly GraphTransition[];
}

const idOf = (n: StateNodeLike): string => n.path.join('.');

function describeValue(v: unknown): string {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'function') return '…';
  if (Array.isArray(v)) return v.map(describeValue).join(' ');
  return Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${k}=${describeValue(x)}`)
    .join(' ');
}

/** A named reference with its parameters: `name(a, b)`, `name(…)` when they are computed. */
function describeRef(type: string, params: unknown): string {
  if (params === undefined) return type;
  if (typeof params === 'function') return `${type}(…)`;
  if (typeof params === 'object' && params !== null && !Array.isArray(params))
    return `${type}(${Object.values(params as Record<string, unknown>)
      .map(describeValue)
      .join(', ')})`;
  return `${type}(${describeValue(params)})`;
}

/**
 * A guard as text: its name, `!name` for `not`, `a && b` for `and`, `a || b` for `or`.
 *
 * @example
 * describeGuard('vpSlotFree'); // 'vpSlotFree'
 */
export function describeGuard(g: unknown): string {
  if (typeof g === 'string') return g;
  if (typeof g === 'function') {
    const fn = g as {
      readonly name: string;
      readonly guards?: readonly unknown[];
      readonly stateValue?: unknown;
    };
    const inner = (fn.guards ?? []).map(describeGuard);
    if (fn.name === 'not') return `!${inner[0] ?? '?'}`;
    if (fn.name === 'and') return inner.join(' && ');
    if (fn.name === 'or') return inner.join(' || ');
    if (fn.name === 'stateIn') return `in(${describeValue(fn.stateValue)})`;
    return fn.name === '' ? 'guard' : fn.name;
  }
  if (typeof g === 'object' && g !== null && 'type' in g) {
    const ref = g as { readonly type: string; readonly params?: unknown };
    return describeRef(ref.type, ref.params);
  }
  return 'guard';
}

/**
 * An action as text: `startOp(MSHV_CREATE_VP)`, `reject(EBUSY, noOperationInFlight)`.
 *
 * @example
 * describeAction({ type: 'reject', params: { errno: 'EIO', rule: 'x' } }); // 'reject(EIO, x)'
 */
export function describeAction(a: unknown): string {
  if (typeof a === 'string') return a;
  if (typeof a === 'object' && a !== null && 'type' in a) {
    const ref = a as { readonly type: string; readonly params?: unknown };
    return describeRef(ref.type, ref.params);
  }
  if (typeof a === 'function') {
    const fn = a as { readonly type?: unknown; readonly name: string };
    return typeof fn.type === 'string' ? fn.type : fn.name === '' ? 'action' : fn.name;
  }
  return 'action';
}

function toTransition(source: StateNodeLike, t: TransitionLike, event: string): GraphTransition {
  return {
    source: idOf(source),
    targets: (t.target ?? []).map(idOf),
    event,
    guard: t.guard === undefined ? null : describeGuard(t.guard),
    actions: t.actions.map(describeAction),
  };
}

/**
 * The states and transitions of a machine, read from its definition (`machine.root`): every state
 * node, every transition of every node in definition order, including eventless (`always`) and
 * targetless ones. Renderers draw from this, so a diagram can never drift from the machine.
 *
 * @example
 * machineGraph(vpMachine).root.children.map((s) => s.key); // ['created', 'idle', 'running', ...]
 */
export function machineGraph(machine: { readonly id: string; readonly root: StateNodeLike }): MachineGraph {
  const transitions: GraphTransition[] = [];
  const walk = (n: StateNodeLike): GraphState => {
    for (const [event, list] of n.transitions)
      for (const t of list) transitions.push(toTransition(n, t, event));
    for (const t of n.always ?? []) transitions.push(toTransition(n, t, 'always'));
    const children = Object.values(n.states).map(walk);
    const first = n.type === 'compound' ? n.initial?.target[0] : undefined;
    return {
      id: idOf(n),
      key: n.key,
      type: n.type,
      history: n.history,
      initial: first === undefined ? null : idOf(first),
      entry: n.entry.map(describeAction),
      children,
    };
  };
  return { id: machine.id, root: walk(machine.root), transitions };
}

/**
 * A transition's label: `EVENT [guard] / action, action`.
 *
 * @example
 * transitionLabel({ source: '', targets: [], event: 'RUN', guard: '!busy', actions: ['reject(EBUSY)'] });
 * // 'RUN [!busy] / reject(EBUSY)'
 */
export function transitionLabel(t: GraphTransition): string {
  const guard = t.guard === null ? '' : ` [${t.guard}]`;
  const actions = t.actions.length === 0 ? '' : ` / ${t.actions.join(', ')}`;
  return `${t.event}${guard}${actions}`;
}

/**
 * A state's entry actions as text, `entry / a, b`; empty when it has none.
 *
 * @example
 * entryLabel(state); // 'entry / startOp(PARK_VPS)'
 */
export function entryLabel(s: GraphState): string {
  return s.entry.length === 0 ? '' : `entry / ${s.entry.join(', ')}`;
}

/**
 * Every state of a graph, depth first, the root first.
 *
 * @example
 * allStates(machineGraph(vpMachine).root)[1].id; // 'created' (index 0 is the root, id '')
 */
export function allStates(root: GraphState): GraphState[] {
  return [root, ...root.children.flatMap(allStates)];
}

/**
 * A state with child states (a compound state, or the machine's root).
 *
 * @example
 * hasChildren(machineGraph(vpMachine).root); // true
 */
export function hasChildren(s: GraphState): boolean {
  return s.children.length > 0;
}

/**
 * The ids of the compound states, and of those among them that take transitions of their own (in
 * any child): what both diagram formats draw as clusters and as "(any … state)" sources.
 *
 * @example
 * compoundSources(machineGraph(partitionMachine)).sources.has('closing'); // true
 */
export function compoundSources(graph: MachineGraph): {
  readonly compound: ReadonlySet<string>;
  readonly sources: ReadonlySet<string>;
} {
  const compound = new Set(
    allStates(graph.root)
      .filter(hasChildren)
      .map((s) => s.id),
  );
  const sources = new Set(graph.transitions.map((t) => t.source).filter((id) => compound.has(id)));
  return { compound, sources };
}
