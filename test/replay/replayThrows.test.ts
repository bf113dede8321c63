import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { HvStatus } from '../../src/hv/HvStatus.js';
import { LogWriter } from '../../src/log/LogWriter.js';
import { openLoggedPlane, planeRunMeta } from '../../src/replay/openLoggedPlane.js';
import { replayLog } from '../../src/replay/replayLog.js';
import { runHeader } from '../../src/replay/RunMeta.js';
import type { ControlPlane } from '../../src/runtime/ControlPlane.js';
import type { Scenario } from '../../src/scenario/Scenario.js';
import { bootPartition, planeWorld } from './planeSession.js';

const work = mkdtempSync(join(tmpdir(), 'mshv-replay-throws-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function logged(name: string, world: Scenario, session: (p: ControlPlane) => void): string {
  const path = join(work, name);
  const options = { snapshotEvery: 0 };
  const writer = LogWriter.create(path, runHeader(planeRunMeta(world, options), 'test'), {
    durability: 'normal',
  });
  try {
    session(openLoggedPlane(world, writer, options).plane);
  } finally {
    writer.close();
  }
  return path;
}

describe('replay of a re-run that throws', () => {
  it('where the log ends inside an operation (the run threw there too): identical, the message kept', () => {
    const base = planeWorld('core-smt');
    // A hypervisor that never completes the asynchronous call: the driver would wait forever.
    const world: Scenario = {
      ...base,
      hypervisor: {
        ...base.hypervisor,
        faults: [
          {
            call: 'SET_PARTITION_PROPERTY',
            nth: 1,
            status: HvStatus.CALL_PENDING,
            statusName: 'CALL_PENDING',
          },
        ],
      },
    };
    const path = logged('lost.log', world, (p) => {
      p.createPartition('vm0', { ptFlags: 0n, ptIsolation: 0n });
      expect(() =>
        p.partition('vm0', { type: 'SET_PROPERTY', property: 'SYNTHETIC_PROC_FEATURES', value: 1 }),
      ).toThrow(/would wait forever/);
    });
    const v = replayLog(path);
    expect(v).toMatchObject({ status: 'identical', complete: true });
    if (v.status === 'identical') expect(v.threw).toMatch(/no HVMSG_ASYNC_CALL_COMPLETION/);
  });

  it('before the log ends: a divergence naming the record the re-run did not reach', () => {
    const planted = (): never => {
      throw new Error('planted: the release path throws');
    };
    const path = logged('close.log', planeWorld('core-smt'), (p) => {
      bootPartition(p, 'vm0', 0, 1);
      p.partition('vm0', { type: 'CLOSE' });
    });
    expect(replayLog(path).status).toBe('identical');
    const v = replayLog(path, {
      world: {
        hooks: { releaseVp: planted },
      },
    });
    expect(v.status).toBe('diverged');
    if (v.status !== 'diverged') return;
    expect(v.divergence.reason).toBe('the re-run threw: planted: the release path throws');
    expect(v.divergence.expectedKind).not.toBeNull();

    // The record the re-run did not reach, made unreadable: damage at that seq, not a thrown error.
    const db = new DatabaseSync(path);
    db.exec('DROP TRIGGER records_no_update');
    db.prepare('UPDATE records SET body = ? WHERE seq = ?').run('{', v.divergence.seq);
    db.close();
    const damaged = replayLog(path, { world: { hooks: { releaseVp: planted } } });
    expect(damaged).toMatchObject({ status: 'damaged', seq: v.divergence.seq });
    if (damaged.status === 'damaged')
      expect(damaged.message).toMatch(new RegExp(`seq ${v.divergence.seq}: body is not JSON`));
  });
});
