import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultModel } from '../../src/check/defaultModel.js';
import { runCheck } from '../../src/check/runCheck.js';
import { openLog } from '../../src/log/LogReader.js';
import type { LogRecord } from '../../src/log/LogRecord.js';
import { LogWriter } from '../../src/log/LogWriter.js';
import { recoverLog, recoverRecords } from '../../src/replay/recoverRecords.js';
import { replayLog, replayRecords } from '../../src/replay/replayLog.js';
import { replayOptionsError } from '../../src/replay/replayOptionsError.js';
import { runHeader } from '../../src/replay/RunMeta.js';
import { runScenarioLogged, scenarioRunMeta } from '../../src/replay/runScenarioLogged.js';
import { openLoggedPlane, planeRunMeta } from '../../src/replay/openLoggedPlane.js';
import { CountingRecorder } from '../../src/pipeline/HypercallRecorder.js';
import { ControlPlane } from '../../src/runtime/ControlPlane.js';
import { MemorySink } from '../../src/runtime/RecordSink.js';
import { SimWorld } from '../../src/runner/SimWorld.js';
import { loadScenario } from '../../src/scenario/loadScenario.js';
import { readScenarioFile } from '../../src/scenario/readScenarioFile.js';
import { logFileHashes, useTempDir } from '../log/tempDir.js';

const tempDir = useTempDir();

/** A logged scenario run cut after its third operation: what a crash leaves, for recover. */
async function crashedRun(): Promise<{
  path: string;
  header: ReturnType<typeof openLog>['header'];
  records: LogRecord[];
}> {
  const scenario = await readScenarioFile('docs/scenarios/boot-4k.json');
  const path = join(tempDir(), 'run.log');
  const writer = LogWriter.create(path, runHeader(scenarioRunMeta(scenario), 'test'), {
    durability: 'normal',
  });
  runScenarioLogged(scenario, writer);
  writer.close();
  const log = openLog(path);
  const records = [...log.records()].map((r) => r.record);
  const header = log.header;
  log.close();
  const third = records.filter((r) => r.kind === 'result')[2];
  return { path, header, records: records.slice(0, records.indexOf(third!) + 1) };
}

describe('replay and recover options are checked, naming the option and the rule, before anything runs', () => {
  let run: Awaited<ReturnType<typeof crashedRun>>;
  beforeAll(async () => {
    run = await crashedRun();
  });

  it.each([
    [{ checksums: 'some' }, `options.checksums: string "some" is not 'except-hypercalls' or 'all'`],
    [{ crossCheck: 'no' }, 'options.crossCheck: string "no" is not true or false'],
    [{ from: 0 }, "options.from: number 0 is not 'start', 'snapshot' or a seq (an integer from 1)"],
    [{ from: 1.5 }, "options.from: number 1.5 is not 'start', 'snapshot' or a seq (an integer from 1)"],
    [{ frm: 5 }, 'options.frm: not an option (the options are from, crossCheck, machines'],
    [{ worldCodecs: {} }, 'options.worldCodecs: an object is not an array of world codecs'],
  ])('replayLog and replayRecords refuse %j as bad input', (options, message) => {
    const before = logFileHashes(run.path);
    for (const v of [
      replayLog(run.path, options as never),
      replayRecords(run.header, run.records, options as never),
    ]) {
      expect(v.status).toBe('bad-input');
      expect((v as { message: string }).message).toContain(message);
    }
    expect(logFileHashes(run.path)).toEqual(before);
  });

  it("a recovery asked for a dry run with 'yes' is refused, not run as a teardown (nothing is closed)", () => {
    const report = recoverRecords(run.header, run.records, { dryRun: 'yes' } as never);
    expect(report).toMatchObject({ status: 'bad-input', teardown: [], live: null });
    expect(report.message).toBe('options.dryRun: string "yes" is not true or false');
    expect(recoverLog(run.path, { dryRun: 1 } as never)).toMatchObject({
      status: 'bad-input',
      message: 'options.dryRun: number 1 is not true or false',
    });
    // The same call with a boolean lists, and with none tears down.
    expect(recoverRecords(run.header, run.records, { dryRun: true }).status).toBe('listed');
    expect(recoverRecords(run.header, run.records).status).toBe('reconciled');
  });

  it('options set to undefined are absent; closed is an option of the in-memory entry points only', () => {
    expect(replayOptionsError({ from: undefined, crossCheck: undefined })).toBeNull();
    expect(replayRecords(run.header, run.records, { closed: false }).status).toBe('identical');
    expect(replayOptionsError({ closed: false })).toContain('options.closed: not an option');
    expect(replayOptionsError(null)).toBe('options: null is not an object of replay options');
  });
});

describe('other entry points refuse options they would misread or ignore', () => {
  it('LogReader.records: an unknown option, a verify that is not a boolean, kinds that are not an array', async () => {
    const { path } = await crashedRun();
    const log = openLog(path);
    try {
      expect(() => [...log.records({ verfy: false } as never)]).toThrow(
        new TypeError(
          'records.verfy: not an option (the options are fromSeq, verify, checksumKinds, deferKinds)',
        ),
      );
      expect(() => [...log.records({ verify: 'no' } as never)]).toThrow(
        'records.verify: string is not true or false',
      );
      expect(() => [...log.records({ deferKinds: 'intent' } as never)]).toThrow(
        'records.deferKinds: expected an array of record kinds',
      );
    } finally {
      log.close();
    }
  });

  it('the world, the control plane and the logged runs refuse an option they do not have, naming it', () => {
    const world = loadScenario({ format: 1, name: 'w', seed: 1, steps: [] });
    expect(() => new SimWorld(world, new CountingRecorder(), { hook: {} } as never)).toThrow(
      'SimWorld options.hook: not an option (the options are hooks, fill, wrapExecutor',
    );
    const sim = new SimWorld(world, new CountingRecorder());
    expect(() => new ControlPlane(sim, { sinks: new MemorySink() } as never)).toThrow(
      'ControlPlane options.sinks: not an option (the options are sink, machines, memo, vmm, vmmHooks)',
    );
    expect(() => runScenarioLogged(world, new MemorySink(), { snapshotEvry: 8 } as never)).toThrow(
      'options.snapshotEvry: not an option (the options are snapshotEvery, worldCodec, recorder, world, vmm, onWorld)',
    );
    expect(() => openLoggedPlane(world, new MemorySink(), { memos: {} } as never)).toThrow(
      'options.memos: not an option (the options are snapshotEvery, worldCodec, recorder, world, vmm, machines, memo, vmmHooks)',
    );
    // The run meta takes the object its run takes, and refuses the same.
    expect(() => scenarioRunMeta(world, { snapshotEvry: 8 } as never)).toThrow(
      'options.snapshotEvry: not an option',
    );
    expect(() => planeRunMeta(world, { memos: {} } as never)).toThrow('options.memos: not an option');
    expect(planeRunMeta(world, { snapshotEvery: 8, memo: undefined } as never).snapshotEvery).toBe(8);
    expect(() => runScenarioLogged(world, new MemorySink(), { snapshotEvery: 8n } as never)).toThrow(
      new RangeError('snapshotEvery: 8n is not a non-negative integer'),
    );
    expect(() => runScenarioLogged(world, new MemorySink(), { snapshotEvery: '8' } as never)).toThrow(
      'snapshotEvery: "8" is not a non-negative integer',
    );
  });

  it.each([
    [{ strategy: 'zzz' }, new RangeError('strategy: string "zzz" is not bfs, dfs or random')],
    [{ seed: -1 }, new RangeError('seed: number -1 is not a u32')],
    [{ seed: 2 ** 32 }, new RangeError('seed: number 4294967296 is not a u32')],
    [{ workers: 0 }, new RangeError('workers: number 0 is not a positive integer')],
    [
      { timeLimitMs: -5 },
      new RangeError('timeLimitMs: number -5 is not a non-negative number of milliseconds'),
    ],
    [{ timelimit: 5 }, new TypeError('timelimit: not an option (the options are model, strategy, seed')],
  ])('runCheck refuses %j before exploring', async (options, error) => {
    await expect(runCheck({ model: defaultModel(), ...(options as object) })).rejects.toThrow(error.message);
    await expect(runCheck({ model: defaultModel(), ...(options as object) })).rejects.toBeInstanceOf(
      error.constructor,
    );
  });
});
