import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { counterexampleFromJson, reproduction } from '../../src/check/Counterexample.js';
import type { CliIo } from '../../src/cli/Command.js';
import { runCli } from '../../src/cli/runCli.js';
import { ScenarioError } from '../../src/scenario/ScenarioError.js';

/** docs/check/lost-completion.counterexample.json: liveness, two intents, no crash. */
const DOC = 'docs/check/lost-completion.counterexample.json';

/** A member path inside a JSON document: `['intents', 1, 'args']`. */
type At = readonly (string | number)[];

/** The documented file with the member at `at` set to `value` (`undefined` deletes it). */
function edited(at: At = [], value?: unknown): unknown {
  const json = JSON.parse(readFileSync(DOC, 'utf8')) as unknown;
  if (at.length === 0) return json;
  let parent = json as Record<string | number, unknown>;
  for (const key of at.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = at.at(-1) ?? '';
  if (value === undefined) Reflect.deleteProperty(parent, last);
  else parent[last] = value;
  return json;
}

function error(json: unknown): ScenarioError {
  try {
    counterexampleFromJson(json);
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error('loaded');
}

const dir = mkdtempSync(join(tmpdir(), 'mshv-cex-file-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function check(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), isTty: false };
  const code = await runCli(['check', ...argv], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function file(name: string, json: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`);
  return path;
}

describe('counterexample files are read strictly (docs/guide/check.md, Counterexamples)', () => {
  it.each<[string, string, string, At, unknown]>([
    ['an unknown intent', '$.intents[0].name', 'unknown-name', ['intents'], [{ name: 'nonsense' }]],
    ['an intent without args', '$.intents[0].args', 'required', ['intents'], [{ name: 'partition' }]],
    ['null args', '$.intents[1].args', 'type', ['intents', 1, 'args'], null],
    ['an intent member', '$.intents[0].when', 'unknown-field', ['intents', 0, 'when'], 1],
    [
      'a misspelt request member',
      '$.intents[1].args.request.vpIndex',
      'unknown-field',
      ['intents', 1, 'args', 'request'],
      { type: 'CREATE_VP', vpIndex: 0 },
    ],
    [
      'a "$vp" left in a recorded request',
      '$.intents[1].args.request.vp',
      'type',
      ['intents', 1, 'args', 'request'],
      { type: 'CREATE_VP', vp: '$vp' },
    ],
    [
      'partition flags the runtime cannot read',
      '$.intents[0].args.args.ptFlags',
      'number-syntax',
      ['intents', 0, 'args', 'args', 'ptFlags'],
      '1GiB',
    ],
    ['an invariant the checker lacks', '$.invariant', 'unknown-name', ['invariant'], 'nope'],
    ['crash: "yes"', '$.crash', 'type', ['crash'], 'yes'],
    ['no crash member', '$.crash', 'required', ['crash'], undefined],
    ['a negative seed', '$.world.seed', 'negative', ['world', 'seed'], -1],
    ['a seed beyond u32', '$.world.seed', 'width', ['world', 'seed'], 4294967296],
    ['a world member', '$.world.extra', 'unknown-field', ['world', 'extra'], 1],
    ['a top-level member', '$.bogus', 'unknown-field', ['bogus'], 1],
    ['a variant that is a number', '$.variant', 'type', ['variant'], 5],
    ['random faults of no HV status', '$.randomFaults.x', 'unknown-name', ['randomFaults'], { x: 'y' }],
    [
      'a random fault rate that is no probability',
      '$.randomFaults.INSUFFICIENT_MEMORY',
      'range',
      ['randomFaults'],
      { INSUFFICIENT_MEMORY: 'y' },
    ],
    [
      'CALL_PENDING as a random fault',
      '$.randomFaults.CALL_PENDING',
      'range',
      ['randomFaults'],
      { CALL_PENDING: 0.1 },
    ],
    ['a step of no kind', '$.steps[0].kind', 'unknown-name', ['steps', 0, 'kind'], 'x'],
    ['a step member', '$.steps[0].extra', 'unknown-field', ['steps', 0, 'extra'], 1],
    ['a trace line that is a number', '$.trace[0]', 'type', ['trace'], [1]],
  ])('%s is refused at %s (%s)', (_, path, rule, at, value) => {
    const e = error(edited(at, value));
    expect(e.path).toBe(path);
    expect(e.rule).toBe(rule);
    expect(e.message.startsWith(`${path}: `)).toBe(true);
  });

  it('the documented file loads; steps, trace and random fault rates may be left out', () => {
    const cex = counterexampleFromJson(edited());
    expect(cex.intents.map((i) => i.name)).toEqual(['createPartition', 'partition']);
    const record = ['steps', 'trace'];
    const bareJson = Object.entries(edited() as Record<string, unknown>).filter(([k]) => !record.includes(k));
    const bare = counterexampleFromJson({
      ...Object.fromEntries(bareJson),
      randomFaults: { INSUFFICIENT_MEMORY: 0 },
    });
    expect(bare.steps).toEqual([]);
    expect(bare.randomFaults).toEqual({ INSUFFICIENT_MEMORY: 0 });
  });

  it('reproduces only when the invariant that breaks is the one the file records', () => {
    const own = reproduction(counterexampleFromJson(edited()));
    expect(own.verdict).toBe('reproduces');
    const other = reproduction(counterexampleFromJson(edited(['invariant'], 'windows')));
    expect(other).toMatchObject({ verdict: 'other', violation: { invariant: 'liveness' } });
  });
});

describe('mshv-control check COUNTEREXAMPLE.json', () => {
  it('an unknown intent is bad input (exit 2) naming the file, line and path, not a reproduced liveness', async () => {
    const r = await check(file('nonsense.json', edited(['intents'], [{ name: 'nonsense' }])));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/nonsense\.json:\d+:\d+: \$\.intents\[0\]\.name: unknown intent 'nonsense'/);
    expect(r.out).not.toContain('reproduces');
  });

  it('random fault rates of no HV status are bad input (exit 2) naming $.randomFaults.x, not a stack trace', async () => {
    const r = await check(file('rates.json', edited(['randomFaults'], { x: 'y' })));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/rates\.json:\d+:\d+: \$\.randomFaults\.x: unknown HV status 'x'/);
  });

  it('says "reproduces" only when the file\'s own invariant breaks; another one is named instead (exit 1 both)', async () => {
    const own = await check(DOC);
    expect(own.code).toBe(1);
    expect(own.out).toContain(`${DOC}: reproduces: liveness: `);
    const r = await check(file('windows.json', edited(['invariant'], 'windows')));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/windows\.json: does not reproduce windows; this build breaks liveness instead: /);
    expect(r.out).not.toContain('reproduces:');
  });
});

describe('mshv-control check MODEL with a malformed request', () => {
  it('a misspelt member is bad input (exit 2) naming it, and nothing is explored or written', async () => {
    const model = JSON.parse(readFileSync('docs/check/lost-completion.json', 'utf8')) as {
      intents: unknown[];
    };
    model.intents.push({ intent: 'partition', request: { type: 'CREATE_VP', vpIndex: 0 } });
    const out = mkdtempSync(join(dir, 'out-'));
    const r = await check(file('typo.json', model), '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /typo\.json:\d+:\d+: \$\.intents\[4\]\.request\.vpIndex: unknown field 'vpIndex' in a CREATE_VP request/,
    );
    expect(r.out).toBe('');
    expect(readdirSync(out)).toEqual([]);
  });
});
