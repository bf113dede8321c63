import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Counterexample } from '../../src/check/Counterexample.js';
import { DEFAULT_MODEL_JSON } from '../../src/check/defaultModel.js';
import { counterexampleOfLog } from '../../src/check/judgeCounterexampleLog.js';
import { loadCheckModel } from '../../src/check/loadCheckModel.js';
import { runCheck } from '../../src/check/runCheck.js';
import { writeCounterexampleLog } from '../../src/check/writeCounterexampleLog.js';
import { writeCounterexampleFiles } from '../../src/cli/commands/check.js';
import { openLog } from '../../src/log/LogReader.js';
import { useTempDir } from '../log/tempDir.js';
import { captureIo, runCaptured } from './runCaptured.js';

/**
 * `mshv-control replay` of a counterexample log re-judges its violation (issue 6: "`mshv-control
 * replay` of that log reproduces the violation"; review of the checker, finding 5): it names the
 * invariant and says whether it broke again, and the exit code says so too. `check` warns when the
 * log it writes does not break the counterexample's invariant.
 */
const tempDir = useTempDir();

const cli = (...argv: string[]): ReturnType<typeof runCaptured> => runCaptured([...argv]);

/** A hypervisor that never completes the first asynchronous call: liveness breaks on the shipped stack. */
const lostCompletion = loadCheckModel({
  ...DEFAULT_MODEL_JSON,
  name: 'lost-completion',
  bounds: { ...DEFAULT_MODEL_JSON.bounds, steps: 3 },
  world: {
    ...DEFAULT_MODEL_JSON.world,
    hypervisor: {
      ...DEFAULT_MODEL_JSON.world.hypervisor,
      faults: [{ call: 'SET_PARTITION_PROPERTY', nth: 1, status: 'CALL_PENDING' }],
    },
  },
});

let cex: Counterexample;
beforeAll(async () => {
  const r = await runCheck({ model: lostCompletion, strategy: 'bfs' });
  if (r.counterexample === undefined) throw new Error('no counterexample');
  cex = r.counterexample;
});

describe('replay of a counterexample log', () => {
  it('names the invariant and says it reproduces; exit 0', async () => {
    const { io, err } = captureIo();
    const { log } = await writeCounterexampleFiles(cex, tempDir(), io);
    expect(err).toEqual([]);
    const r = await cli('replay', log);
    expect(r.code, r.err.join('\n')).toBe(0);
    expect(r.out[0]).toMatch(/^replay: identical: seq 1\.\.\d+ reproduced/);
    expect(r.out).toContainEqual(`check: reproduces liveness: ${cex.message}`);
  });

  it('a log whose run breaks another invariant first says which; exit 1', async () => {
    const log = join(tempDir(), 'other.log');
    writeCounterexampleLog({ ...cex, invariant: 'windows' }, log);
    const r = await cli('replay', log);
    expect(r.code).toBe(1);
    expect(r.out[0]).toMatch(/^replay: identical/);
    expect(r.err.join('\n')).toContain(
      'check: does not reproduce windows; this build breaks liveness instead:',
    );
  });

  it('a log whose run breaks no invariant says so; exit 1', async () => {
    const log = join(tempDir(), 'clean.log');
    writeCounterexampleLog({ ...cex, intents: cex.intents.slice(0, 1) }, log);
    const r = await cli('replay', log);
    expect(r.code).toBe(1);
    expect(r.err).toContainEqual('check: does not reproduce liveness on this build (no invariant breaks)');
  });

  it('a meta.check this build does not read is bad input (exit 2)', async () => {
    const log = join(tempDir(), 'bad.log');
    writeCounterexampleLog({ ...cex, invariant: 'noSuchInvariant' }, log);
    const r = await cli('replay', log);
    expect(r.code).toBe(2);
    expect(r.err.join('\n')).toMatch(/meta\.check is not a counterexample this build reads: \$\.invariant/);
  });

  it('a log written before meta.check.intents takes its intents from the intent records', () => {
    const log = join(tempDir(), 'cex.log');
    writeCounterexampleLog(cex, log);
    const reader = openLog(log);
    try {
      const meta = reader.header.meta as { check: Record<string, unknown> };
      expect(meta.check.intents).toEqual(cex.intents);
      const older = Object.fromEntries(Object.entries(meta.check).filter(([k]) => k !== 'intents'));
      const header = {
        ...reader.header,
        meta: { ...reader.header.meta, check: older },
      } as typeof reader.header;
      const rebuilt = counterexampleOfLog(header, () => cex.intents);
      expect(rebuilt?.intents).toEqual(cex.intents);
      expect(rebuilt?.world).toEqual(cex.world);
      expect(counterexampleOfLog({ ...reader.header, meta: {} }, () => [])).toBeUndefined();
    } finally {
      reader.close();
    }
  });
});

describe('check writes the counterexample log', () => {
  it('warns when the written run breaks another invariant than the counterexample’s', async () => {
    const { io, out, err } = captureIo();
    const { json, log } = await writeCounterexampleFiles({ ...cex, invariant: 'windows' }, tempDir(), io);
    expect(out).toEqual([`wrote ${json} and ${log}`]);
    expect(err.join('\n')).toMatch(
      /^warning: the run written to .*check-windows\.log breaks liveness first \(.*\), not windows: replaying it will not reproduce the counterexample$/,
    );
  });

  it('warns when the written run breaks no invariant', async () => {
    const { io, err } = captureIo();
    await writeCounterexampleFiles({ ...cex, intents: cex.intents.slice(0, 1) }, tempDir(), io);
    expect(err.join('\n')).toMatch(/breaks no invariant, not liveness/);
  });
});
