import { describe, expect, it } from 'vitest';
import { type AnyStateMachine, type AnyStateNode, createMachine } from 'xstate';
import { machineGraph } from '../../machines/diagram/machineGraph.js';
import { toDot } from '../../machines/diagram/toDot.js';
import { toMermaid } from '../../machines/diagram/toMermaid.js';
import { partitionMachine } from '../../machines/partition/partitionMachine.js';
import { vpMachine } from '../../machines/vp/vpMachine.js';
import type { CliIo } from '../../src/cli/Command.js';
import { runCli } from '../../src/cli/runCli.js';

interface DefTransition {
  readonly source: AnyStateNode;
  readonly targets: readonly AnyStateNode[];
  readonly event: string;
  readonly guardName: string | null;
}

/** The test's own walk of a definition: every state node and every transition, from machine.root. */
function definition(machine: AnyStateMachine): { states: AnyStateNode[]; transitions: DefTransition[] } {
  const states: AnyStateNode[] = [];
  const transitions: DefTransition[] = [];
  const innerName = (g: unknown): string | null => {
    if (typeof g === 'string') return g;
    if (typeof g === 'function') return innerName((g as { guards?: unknown[] }).guards?.[0]);
    if (typeof g === 'object' && g !== null) return (g as { type: string }).type;
    return null;
  };
  const walk = (n: AnyStateNode): void => {
    states.push(n);
    for (const [event, list] of n.transitions)
      for (const t of list)
        transitions.push({ source: n, targets: t.target ?? [], event, guardName: innerName(t.guard) });
    for (const t of n.always ?? [])
      transitions.push({
        source: n,
        targets: t.target ?? [],
        event: 'always',
        guardName: innerName(t.guard),
      });
    for (const c of Object.values(n.states)) walk(c);
  };
  walk(machine.root);
  return { states, transitions };
}

const MACHINES = [
  ['partition', partitionMachine],
  ['vp', vpMachine],
] as const;

describe('diagrams are generated from the definitions', () => {
  for (const [name, machine] of MACHINES) {
    const def = definition(machine);
    const compound = (n: AnyStateNode): boolean => Object.keys(n.states).length > 0;
    const edgeCount = def.transitions.reduce((n, t) => n + Math.max(1, t.targets.length), 0);

    it(`${name}: the definition is big enough to mean something`, () => {
      expect(def.states.length).toBeGreaterThan(7);
      expect(def.transitions.length).toBeGreaterThan(40);
    });

    it(`${name} as Mermaid stateDiagram-v2: every state and every transition`, () => {
      const text = toMermaid(machineGraph(machine));
      const lines = text.split('\n').map((l) => l.trim());
      expect(lines[0]).toBe('stateDiagram-v2');
      const mid = (n: AnyStateNode): string => (n.path.length === 0 ? machine.id : n.path.join('_'));
      const from = (n: AnyStateNode): string => (compound(n) ? `${mid(n)}_any` : mid(n));
      for (const s of def.states.slice(1)) {
        if (compound(s)) expect(lines, s.id).toContain(`state ${mid(s)} {`);
        else if (s.type === 'history') expect(lines.some((l) => l.endsWith(` as ${mid(s)}`))).toBe(true);
        else expect(lines, s.id).toContain(`state "${s.key}" as ${mid(s)}`);
      }
      for (const t of def.transitions) {
        const targets = t.targets.length === 0 ? [t.source] : t.targets;
        for (const target of targets) {
          const tgt = t.targets.length === 0 ? from(target) : mid(target);
          const prefix = `${from(t.source)} --> ${tgt} : ${t.event === '*' ? '*' : t.event}`;
          const hit = lines.filter(
            (l) => l.startsWith(prefix) && (t.guardName === null || l.includes(t.guardName)),
          );
          expect(hit.length, prefix).toBeGreaterThan(0);
        }
      }
      expect(lines.filter((l) => l.includes(' --> ') && !l.startsWith('[*]')).length).toBe(edgeCount);
    });

    it(`${name} as Graphviz: every state and every transition`, () => {
      const text = toDot(machineGraph(machine));
      const lines = text.split('\n').map((l) => l.trim());
      expect(lines[0]).toBe(`digraph "${machine.id}" {`);
      expect(lines.at(-1)).toBe('}');
      const id = (n: AnyStateNode): string => n.path.join('.');
      for (const s of def.states.slice(1)) {
        if (compound(s)) expect(lines, s.id).toContain(`subgraph "cluster_${id(s)}" {`);
        else expect(lines.some((l) => l.startsWith(`"${id(s)}" [`))).toBe(true);
      }
      const edges = lines.filter((l) => l.includes(' -> ') && !l.includes('(initial)" ->'));
      expect(edges).toHaveLength(edgeCount);
      for (const t of def.transitions) {
        const src = compound(t.source)
          ? t.source.path.length === 0
            ? '(any)'
            : `${id(t.source)}.(any)`
          : id(t.source);
        const hit = edges.filter(
          (l) =>
            l.startsWith(`"${src}" -> `) &&
            l.includes(`[label="${t.event}`) &&
            (t.guardName === null || l.includes(t.guardName)),
        );
        expect(hit.length, `${src} ${t.event}`).toBeGreaterThan(0);
      }
    });
  }

  it('names each step command in the state that emits it (entry actions)', () => {
    const text = toMermaid(machineGraph(partitionMachine));
    expect(text).toContain(
      'pausing_freezeTime : entry / startOp(SET_PARTITION_PROPERTY, property=TIME_FREEZE value=1)',
    );
    expect(text).toContain('closing_finalize_issue : entry / startOp(FINALIZE_PARTITION)');
    expect(text).toContain('live_any --> live_any : SNAPSHOT [!snapshotOnlyWhileQuiesced] / reject(EBUSY');
  });

  it('any machine renders from its definition: a small one, exactly', () => {
    const toy = createMachine({
      id: 'toy',
      initial: 'a',
      states: {
        a: { on: { GO: { target: 'b', guard: 'ready' }, POKE: {} } },
        b: { initial: 'x', states: { x: { always: 'y' }, y: {} }, on: { BACK: '#toy.a' } },
      },
    });
    expect(toMermaid(machineGraph(toy))).toBe(
      [
        'stateDiagram-v2',
        '  [*] --> a',
        '  state "a" as a',
        '  state b {',
        '    [*] --> b_x',
        '    state "(any b state)" as b_any',
        '    state "x" as b_x',
        '    state "y" as b_y',
        '  }',
        '  a --> b : GO [ready]',
        '  a --> a : POKE',
        '  b_any --> a : BACK',
        '  b_x --> b_y : always',
      ].join('\n'),
    );
    expect(toDot(machineGraph(toy))).toContain('"b.(any)" -> "a" [label="BACK"];');
    expect(toDot(machineGraph(toy))).toContain('"a" -> "b.(initial)" [label="GO [ready]"];');
  });
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), isTty: false };
  const code = await runCli(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('mshv-control diagram', () => {
  it('prints Mermaid by default', async () => {
    const r = await cli('diagram', 'vp');
    expect(r.code).toBe(0);
    expect(r.out).toBe(toMermaid(machineGraph(vpMachine)));
  });

  it('--format dot and --format=dot print Graphviz', async () => {
    const a = await cli('diagram', 'partition', '--format', 'dot');
    const b = await cli('diagram', '--format=dot', 'partition');
    expect(a.code).toBe(0);
    expect(a.out).toBe(toDot(machineGraph(partitionMachine)));
    expect(b.out).toBe(a.out);
    expect((await cli('diagram', 'partition', '--format', 'mermaid')).out.split('\n')[0]).toBe(
      'stateDiagram-v2',
    );
  });

  const bad: [string[], RegExp][] = [
    [[], /expected a machine: partition or vp/],
    [['host'], /unknown machine 'host'/],
    [['vp', '--format', 'svg'], /unknown format 'svg'/],
    [['vp', '--format'], /--format needs a value/],
    [['vp', '--format='], /--format needs a value/],
    [['vp', 'partition'], /unexpected argument 'partition'/],
    [['vp', '-x'], /unknown option '-x'/],
  ];
  for (const [args, message] of bad) {
    it(`diagram ${args.join(' ')}: exit 2 with a message`, async () => {
      const r = await cli('diagram', ...args);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toMatch(message);
    });
  }

  it('is listed in help', async () => {
    expect((await cli('help')).out).toMatch(/diagram\s+print the partition or VP lifecycle machine/);
    expect((await cli('help', 'diagram')).out).toMatch(/^usage: mshv-control diagram partition\|vp/);
  });
});
