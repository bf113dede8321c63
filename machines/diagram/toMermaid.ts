import {
  type GraphState,
  type MachineGraph,
  compoundSources,
  hasChildren,
  entryLabel,
  transitionLabel,
} from './machineGraph.js';

/** Mermaid state ids are global: the path joined with underscores. */
const mid = (graph: MachineGraph, id: string): string => (id === '' ? graph.id : id.replaceAll('.', '_'));

/** Transitions defined on a compound state (or the root) start from its "(any)" pseudo-state. */
const anyId = (graph: MachineGraph, id: string): string => `${mid(graph, id)}_any`;

/** Mermaid reads ':' ';' and '#' specially in a label. */
const clean = (label: string): string => label.replaceAll(/[:;#]/g, ' ');

function declare(graph: MachineGraph, s: GraphState, sources: ReadonlySet<string>, indent: string): string[] {
  const lines: string[] = [];
  const inner = s.id !== '' && hasChildren(s) ? `${indent}  ` : indent;
  if (s.id !== '' && hasChildren(s)) lines.push(`${indent}state ${mid(graph, s.id)} {`);
  if (s.initial !== null) lines.push(`${inner}[*] --> ${mid(graph, s.initial)}`);
  if (sources.has(s.id) && (s.id === '' || hasChildren(s))) {
    lines.push(`${inner}state "(any ${s.id === '' ? graph.id : s.key} state)" as ${anyId(graph, s.id)}`);
    // A composite has no description line in Mermaid: its entry actions go on its "(any)" node.
    if (s.entry.length > 0) lines.push(`${inner}${anyId(graph, s.id)} : ${clean(entryLabel(s))}`);
  }
  for (const c of s.children) {
    if (hasChildren(c)) lines.push(...declare(graph, c, sources, inner));
    else if (c.type === 'history')
      lines.push(`${inner}state "${c.history === 'deep' ? 'H*' : 'H'}" as ${mid(graph, c.id)}`);
    else {
      lines.push(`${inner}state "${c.key}" as ${mid(graph, c.id)}`);
      if (c.entry.length > 0) lines.push(`${inner}${mid(graph, c.id)} : ${clean(entryLabel(c))}`);
    }
  }
  if (s.id !== '' && hasChildren(s)) lines.push(`${indent}}`);
  return lines;
}

/**
 * A machine as a Mermaid `stateDiagram-v2`, generated from its definition: every state (compound
 * states as composites, history states as H), every transition labelled `EVENT [guard] / actions`;
 * a targetless transition (a refusal, a no-op) is a self-loop; transitions a compound state (or the
 * machine) takes in any of its children start from an "(any … state)" pseudo-state.
 *
 * @example
 * toMermaid(machineGraph(vpMachine)).split('\n')[0]; // 'stateDiagram-v2'
 */
export function toMermaid(graph: MachineGraph): string {
  const { compound, sources } = compoundSources(graph);
  const lines = ['stateDiagram-v2', ...declare(graph, graph.root, sources, '  ')];
  for (const t of graph.transitions) {
    const from = compound.has(t.source) ? anyId(graph, t.source) : mid(graph, t.source);
    const label = clean(transitionLabel(t));
    if (t.targets.length === 0) lines.push(`  ${from} --> ${from} : ${label}`);
    for (const target of t.targets) lines.push(`  ${from} --> ${mid(graph, target)} : ${label}`);
  }
  return lines.join('\n');
}
