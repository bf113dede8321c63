import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, expect, it, vi } from 'vitest';
import type { CliIo } from '../../src/cli/Command.js';
import { runCli } from '../../src/cli/runCli.js';
import { counterexampleJson } from '../../src/check/Counterexample.js';
import { DEFAULT_MODEL_JSON } from '../../src/check/defaultModel.js';
import { loadCheckModel } from '../../src/check/loadCheckModel.js';
import { runCheck } from '../../src/check/runCheck.js';
import { PLANTED } from '../check/plantedVariants.js';
import { jsonFiles } from './jsonFiles.js';
import { runCaptured } from './runCaptured.js';

const run = (...argv: string[]): ReturnType<typeof runCaptured> => runCaptured(['check', ...argv]);

const { dir, file } = jsonFiles('mshv-check-cli-');

const tiny = { ...DEFAULT_MODEL_JSON, name: 'tiny', bounds: { ...DEFAULT_MODEL_JSON.bounds, steps: 3 } };
const lost = {
  ...tiny,
  name: 'lost-completion',
  world: {
    ...tiny.world,
    hypervisor: {
      ...tiny.world.hypervisor,
      faults: [{ call: 'SET_PARTITION_PROPERTY', nth: 1, status: 'CALL_PENDING' }],
    },
  },
};

/** The states and transitions a run's report names. */
const counts = (out: string[]): number[] =>
  (/^states (\d+), transitions (\d+)/m.exec(out.join('\n')) ?? []).slice(1).map(Number);

describe('mshv-control check', () => {
  it.each([
    [['--strategy', 'bfs2'], /--strategy: 'bfs2' is not bfs, dfs or random/],
    [['--workers', '0'], /--workers: 0 is below 1/],
    [['--seed', '-1'], /--seed: '-1' is not a decimal or 0x-hex number/],
    [['--strategy', 'random', '--seed', '0x100000000'], /--seed: 0x100000000 does not fit u32/],
    [['--seed', '7'], /--seed: seeds the random walks; bfs draws no random numbers/],
    [['--strategy', 'dfs', '--seed', '7'], /--seed: seeds the random walks; dfs draws no random numbers/],
    [['--time-limit', 'soon'], /--time-limit: 'soon' is not a decimal number \(digits only\)/],
    [['--time-limit', '0'], /--time-limit: 0 is below 1/],
    [['--frobnicate'], /unknown option '--frobnicate'/],
    [['a.json', 'b.json'], /unexpected argument 'b.json'/],
    [['--crash-inside=yes'], /--crash-inside takes no value/],
    [['--crash-points', 'every'], /--crash-points: 'every' is not states or transitions/],
    [
      ['--crash-points', 'transitions', '--strategy', 'random'],
      /--crash-points: a crash after every transition is explored by bfs and dfs; random walks crash at random steps/,
    ],
    [[join(dir, 'missing.json')], /missing.json: no such file/],
  ])('%j exits 2', async (argv, message) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.err.join('\n')).toMatch(message);
  });

  it('an --out it cannot write to is refused before exploring: exit 2, one line (CLI review finding 2)', async () => {
    const ro = mkdtempSync(join(dir, 'ro-'));
    chmodSync(ro, 0o555);
    // Root writes through the mode bits; /proc/self refuses new files to everyone.
    const target = process.getuid?.() === 0 ? '/proc/self' : ro;
    const r = await run(file('lost.json', lost), '--out', target);
    expect(r.code).toBe(2);
    expect(r.out).toEqual([]);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(
      new RegExp(
        `^mshv-control check: --out: ${target} is not writable \\((EACCES|ENOENT|EPERM|EROFS)\\); a counterexample could not be saved$`,
      ),
    );
    chmodSync(ro, 0o755);
    expect(readdirSync(ro)).toEqual([]);
  });

  it('a bad model exits 2 naming the file, line, path and rule', async () => {
    const path = join(dir, 'bad.json');
    writeFileSync(
      path,
      '{\n  "format": 1, "name": "b", "world": {"seed": 1},\n  "bounds": {"vps": 999}, "intents": []\n}\n',
    );
    const r = await run(path);
    expect(r.code).toBe(2);
    expect(r.err.join('\n')).toMatch(/bad\.json:3:\d+: \$\.bounds\.vps: 999 is above 16/);
  });

  it('a clean model exits 0 and prints states, transitions and coverage', async () => {
    const r = await run(file('tiny.json', tiny), '--out', dir);
    expect(r.code).toBe(0);
    const text = r.out.join('\n');
    expect(text).toContain('verdict: no violation within the bounds');
    expect(text).toMatch(/^states \d+, transitions \d+, depth 3/m);
    expect(text).toContain('coverage:');
    expect(text).toMatch(/partition states reached \d+\/\d+; never: /);
    expect(text).toContain('invariants exercised: windows');
  });

  it('the report after the progress display is the same bytes whatever the wall clock reads (determinism audit)', async () => {
    // Progress lines (`bfs 1.2s states …`) may carry wall time; the verdict, counts and coverage may not.
    const progress = /^(bfs|dfs|random) \d+\.\ds /;
    const report = async (msPerRead: number): Promise<string[]> => {
      let t = 0;
      const clock = vi.spyOn(performance, 'now').mockImplementation(() => (t += msPerRead));
      try {
        const r = await run(file('tiny.json', tiny), '--out', dir);
        expect(r.code).toBe(0);
        return r.out.filter((l) => !progress.test(l));
      } finally {
        clock.mockRestore();
      }
    };
    const slow = await report(997);
    expect(slow).toEqual(await report(1));
    expect(slow.find((l) => l.startsWith('states '))).toMatch(
      /^states \d+, transitions \d+, depth 3, steps executed \d+ \(replays included\), worlds built \d+$/,
    );
  });

  it('--crash-inside explores crashes inside intents: more transitions on the same states, still clean', async () => {
    const plain = await run(file('tiny.json', tiny), '--out', dir);
    const inside = await run(file('tiny.json', tiny), '--out', dir, '--crash-inside');
    expect(inside.code).toBe(0);
    const [statesA, transitionsA] = counts(plain.out);
    const [statesB, transitionsB] = counts(inside.out);
    expect(statesA).toBeGreaterThan(0);
    expect(statesB).toBe(statesA);
    expect(transitionsB).toBeGreaterThan(transitionsA ?? Infinity);
  });

  it('--crash-points transitions: the VMM also dies after every changing step; the same states, more transitions, still clean', async () => {
    const noCrash = { ...tiny, crash: false };
    const states = await run(file('tiny.json', tiny), '--out', dir);
    const transitions = await run(
      file('no-crash.json', noCrash),
      '--out',
      dir,
      '--crash-points',
      'transitions',
    );
    expect(transitions.code).toBe(0);
    expect(transitions.out[0]).toContain(', crashes after every transition, strategy bfs');
    expect(states.out[0]).toContain(', crashes at every state, strategy bfs');
    const [statesA, transitionsA] = counts(states.out);
    const [statesB, transitionsB] = counts(transitions.out);
    expect(statesA).toBeGreaterThan(0);
    expect(statesB).toBe(statesA);
    expect(transitionsB).toBeGreaterThan(transitionsA ?? Infinity);
  });

  it('a violation exits 1, prints the trace, writes a counterexample that reproduces', async () => {
    const out = mkdtempSync(join(dir, 'out-'));
    const r = await run(file('lost.json', lost), '--out', out, '--workers', '2');
    expect(r.code).toBe(1);
    const text = r.out.join('\n');
    expect(text).toContain('VIOLATION of liveness');
    expect(text).toMatch(/1\. createPartition vm0 .* → done/);
    expect(readdirSync(out).sort()).toEqual(['check-liveness.json', 'check-liveness.log']);
    const again = await run(join(out, 'check-liveness.json'));
    expect(again.code).toBe(1);
    expect(again.out.join('\n')).toContain('reproduces: liveness');
    // `mshv-control replay` re-runs the log: every record reproduced, then the throw the run ended on.
    const replayed: string[] = [];
    const io: CliIo = { out: (l) => replayed.push(l), err: (l) => replayed.push(l), isTty: false };
    expect(await runCli(['replay', join(out, 'check-liveness.log')], io)).toBe(0);
    expect(replayed.join('\n')).toMatch(/replay: identical: seq 1\.\.\d+ reproduced/);
    expect(replayed.join('\n')).toContain(
      'the re-run threw where the log ends, inside an operation, as the run did: partition',
    );
    // A second finding never overwrites the first.
    expect((await run(file('lost2.json', lost), '--out', out)).code).toBe(1);
    expect(existsSync(join(out, 'check-liveness-2.log'))).toBe(true);
  });

  it('a planted-variant counterexample does not reproduce on the shipped stack (exit 0)', async () => {
    const variant = PLANTED.find((v) => v.name === 'fastCallInWindow');
    if (variant === undefined) throw new Error('no such variant');
    const result = await runCheck({ model: loadCheckModel(tiny), variant, strategy: 'bfs' });
    if (result.counterexample === undefined) throw new Error('not found');
    const path = file('planted.json', counterexampleJson(result.counterexample));
    const r = await run(path);
    expect(r.code).toBe(0);
    expect(r.err.join('\n')).toContain("planted variant 'fastCallInWindow'");
    expect(r.out.join('\n')).toContain('does not reproduce');
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ variant: 'fastCallInWindow' });
  });
});
