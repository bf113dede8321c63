import { beforeAll, describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/log/JsonValue.js';
import { makeHeader, type LogHeader } from '../../src/log/LogHeader.js';
import type { LogRecord } from '../../src/log/LogRecord.js';
import { prefixWorldCodec } from '../../src/replay/prefixWorldCodec.js';
import { replayRecords } from '../../src/replay/replayLog.js';
import { runHeader } from '../../src/replay/RunMeta.js';
import { runScenarioLogged, scenarioRunMeta } from '../../src/replay/runScenarioLogged.js';
import type { WorldCodec } from '../../src/replay/WorldCodec.js';
import { MemorySink } from '../../src/runtime/RecordSink.js';
import { readScenarioFile } from '../../src/scenario/readScenarioFile.js';

/**
 * The WorldCodec seam as the snapshot branch's codec will use it. This codec wraps the prefix
 * stand-in and adds a probe of the world (hypercalls served, the clock): its state is compared in
 * every snapshot a replay writes, and its restore refuses a world that does not come back to the
 * saved probe. `lie` makes it restore a world it then claims is different (a broken codec).
 */
function probingCodec(lie = false): WorldCodec {
  const prefix = prefixWorldCodec();
  return {
    name: 'test-probe',
    save: (world, at) => ({
      prefix: prefix.save(world, at),
      calls: world.machine.hypervisor.callCount,
      clock: String(world.machine.clock.now()),
    }),
    restore(state, build) {
      const s = state as { prefix: JsonValue; calls: number; clock: string };
      const r = prefix.restore(s.prefix, build);
      if (!r.ok) return r;
      const calls = r.value.machine.hypervisor.callCount + (lie ? 1 : 0);
      if (calls !== s.calls || String(r.value.machine.clock.now()) !== s.clock)
        return {
          ok: false,
          error: `the restored world served ${calls} hypercalls, the saved one ${s.calls}`,
        };
      return r;
    },
  };
}

describe('the WorldCodec seam', () => {
  let header: LogHeader;
  let records: LogRecord[];
  let snapshots: number[];

  beforeAll(async () => {
    const scenario = await readScenarioFile('docs/scenarios/mmio.json');
    const options = { snapshotEvery: 16, worldCodec: probingCodec() };
    const sink = new MemorySink();
    runScenarioLogged(scenario, sink, options);
    header = makeHeader(runHeader(scenarioRunMeta(scenario, options), 'test'));
    records = sink.records;
    snapshots = records.flatMap((r, i) => (r.kind === 'snapshot' ? [i + 1] : []));
  });

  it('the run writes the codec’s name into the header and each snapshot', () => {
    expect(header.meta.run).toMatchObject({ worldCodec: 'test-probe' });
    expect(snapshots.length).toBeGreaterThan(2);
    expect(records[snapshots[0]! - 1]).toMatchObject({
      state: { world: { codec: 'test-probe', state: { prefix: { beforeSeq: snapshots[0] } } } },
    });
  });

  it('a replay without the codec cannot write the log’s snapshots: bad input, naming it', () => {
    expect(replayRecords(header, records)).toEqual({
      status: 'bad-input',
      message:
        "header meta.run.worldCodec: 'test-probe' is not a codec this replay has (sim-world-v1, replay-prefix)",
    });
  });

  it('with the codec: identical from the start (every snapshot compared) and from every snapshot', () => {
    const worldCodecs = [probingCodec()];
    expect(replayRecords(header, records, { worldCodecs }).status).toBe('identical');
    for (const seq of snapshots)
      expect(replayRecords(header, records, { worldCodecs, from: seq }), `from ${seq}`).toMatchObject({
        status: 'identical',
        fromSeq: seq + 1,
      });
  });

  it('a codec whose restore fails: the divergence is named at the snapshot record', () => {
    const at = snapshots[1]!;
    const v = replayRecords(header, records, { worldCodecs: [probingCodec(true)], from: at });
    expect(v).toMatchObject({ status: 'diverged', divergence: { seq: at, expectedKind: 'snapshot' } });
    if (v.status === 'diverged')
      expect(v.divergence.reason).toMatch(
        /^the snapshot cannot be restored: snapshot world: the restored world served/,
      );
  });

  it('a snapshot whose world state was changed diverges at that snapshot when replayed from the start', () => {
    const at = snapshots[1]!;
    const edited = records.map((r, i) => {
      if (i !== at - 1 || r.kind !== 'snapshot') return r;
      const state = r.state as { world: { state: { calls: number } } };
      return {
        ...r,
        state: { ...state, world: { ...state.world, state: { ...state.world.state, calls: 1 } } },
      };
    }) as LogRecord[];
    expect(replayRecords(header, edited, { worldCodecs: [probingCodec()] })).toMatchObject({
      status: 'diverged',
      divergence: { seq: at, reason: 'snapshot differs at state.world.state.calls' },
    });
  });
});
