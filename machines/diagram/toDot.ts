import {
  type GraphState,
  type MachineGraph,
  compoundSources,
  hasChildren,
  entryLabel,
  transitionLabel,
} from './machineGraph.js';

/** A DOT quoted string; a newline becomes Graphviz's centred line break. */
const q = (s: string): string =>
  `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`;
/** The node transitions of a compound state (or the machine) start from. */
const anyNode = (id: string): string => (id === '' ? '(any)' : `${id}.(any)`);
/** The point a compound state is entered through, drawn to its initial child. */
const initialNode = (id: string): string => (id === '' ? '(initial)' : `${id}.(initial)`);
/** A state's name, with its entry actions on a second line. */
const nameOf = (s: GraphState): string => (s.entry.length === 0 ? s.key : `${s.key}\n${entryLabel(s)}`);

function declare(s: GraphState, sources: ReadonlySet<string>, indent: string, machineId: string): string[] {
  const lines: string[] = [];
  const inner = s.id === '' ? indent : `${indent}  `;
  if (s.id !== '')
    lines.push(`${indent}subgraph ${q(`cluster_${s.id}`)} {`, `${inner}label=${q(nameOf(s))};`);
  if (s.initial !== null)
    lines.push(
      `${inner}${q(initialNode(s.id))} [shape=point, width=0.12];`,
      `${inner}${q(initialNode(s.id))} -> ${q(s.initial)};`,
    );
  if (sources.has(s.id))
    lines.push(
      `${inner}${q(anyNode(s.id))} [shape=plaintext, label=${q(`(any ${s.id === '' ? machineId : s.key} state)`)}];`,
    );
  for (const c of s.children) {
    if (hasChildren(c)) lines.push(...declare(c, sources, inner, machineId));
    else if (c.type === 'history')
      lines.push(`${inner}${q(c.id)} [shape=circle, label=${q(c.history === 'deep' ? 'H*' : 'H')}];`);
    else lines.push(`${inner}${q(c.id)} [label=${q(nameOf(c))}];`);
  }
  if (s.id !== '') lines.push(`${indent}}`);
  return lines;
}

/**
 * A machine as a Graphviz digraph, generated from its definition: compound states are clusters
 * entered through a point drawn to their initial child, every transition is an edge labelled
 * `EVENT [guard] / actions`, a targetless one is a self-loop, and transitions a compound state (or
 * the machine) takes in any child start from an "(any … state)" node.
 *
 * @example
 * toDot(machineGraph(vpMachine)).startsWith('digraph "vp" {'); // true
 */
export function toDot(graph: MachineGraph): string {
  const { compound, sources } = compoundSources(graph);
  const lines = [
    `digraph ${q(graph.id)} {`,
    '  compound=true;',
    '  node [shape=box, style=rounded];',
    '  edge [fontsize=10];',
    ...declare(graph.root, sources, '  ', graph.id),
  ];
  const nodeOf = (id: string): string => (compound.has(id) ? initialNode(id) : id);
  for (const t of graph.transitions) {
    const from = compound.has(t.source) ? anyNode(t.source) : t.source;
    const label = `[label=${q(transitionLabel(t))}]`;
    if (t.targets.length === 0) lines.push(`  ${q(from)} -> ${q(from)} ${label};`);
    for (const target of t.targets) lines.push(`  ${q(from)} -> ${q(nodeOf(target))} ${label};`);
  }
  lines.push('}');
  return lines.join('\n');
}
