import { beforeAll, describe, expect, it } from 'vitest';
import { makeHeader, type LogHeader } from '../../src/log/LogHeader.js';
import type { LogRecord } from '../../src/log/LogRecord.js';
import { replayRecords } from '../../src/replay/replayLog.js';
import { runHeader } from '../../src/replay/RunMeta.js';
import { runScenarioLogged, scenarioRunMeta } from '../../src/replay/runScenarioLogged.js';
import { MemorySink } from '../../src/runtime/RecordSink.js';
import { readScenarioFile } from '../../src/scenario/readScenarioFile.js';

/**
 * The world codec logs are written with (issue 5: "replay from a snapshot plus the tail"): each
 * snapshot record holds the whole simulated world, and a replay restores it directly instead of
 * re-running the prefix.
 */
describe('sim-world-v1: snapshots hold the whole simulated world', () => {
  let header: LogHeader;
  let records: LogRecord[];
  let snapshots: number[];

  beforeAll(async () => {
    const scenario = await readScenarioFile('docs/scenarios/boot-4k.json');
    const options = { snapshotEvery: 16 };
    const sink = new MemorySink();
    runScenarioLogged(scenario, sink, options);
    header = makeHeader(runHeader(scenarioRunMeta(scenario, options), 'test'));
    records = sink.records;
    snapshots = records.flatMap((r, i) => (r.kind === 'snapshot' ? [i + 1] : []));
  });

  it('is the default: the header and every snapshot name it, and the state is a world snapshot', () => {
    expect(header.meta.run).toMatchObject({ worldCodec: 'sim-world-v1' });
    expect(snapshots.length).toBeGreaterThan(2);
    for (const seq of snapshots)
      expect(records[seq - 1]).toMatchObject({
        state: { world: { codec: 'sim-world-v1', state: { format: 'mshv-control-world', version: 1 } } },
      });
  });

  it('replays identically from the start and from every snapshot', () => {
    expect(replayRecords(header, records)).toMatchObject({ status: 'identical', complete: true });
    for (const seq of snapshots)
      expect(replayRecords(header, records, { from: seq }), `from ${seq}`).toMatchObject({
        status: 'identical',
        fromSeq: seq + 1,
        lastSeq: records.length,
      });
  });

  it('restores from the saved world itself: a snapshot missing its machine is refused, naming the JSON path', () => {
    // Drop the machine from the last snapshot's world: the restore must fail naming the JSON path.
    const at = snapshots[snapshots.length - 1]!;
    const broken = records.map((r, i) => {
      if (i !== at - 1 || r.kind !== 'snapshot') return r;
      const state = r.state as { world: { state: Record<string, unknown> } };
      const rest = Object.fromEntries(Object.entries(state.world.state).filter(([k]) => k !== 'machine'));
      return { ...r, state: { ...state, world: { ...state.world, state: rest } } };
    }) as LogRecord[];
    const v = replayRecords(header, broken, { from: at });
    expect(v.status).toBe('diverged');
    if (v.status === 'diverged') {
      expect(v.divergence.seq).toBe(at);
      expect(v.divergence.reason).toMatch(/^the snapshot cannot be restored: snapshot world: \$\.machine/);
    }
  });
});
