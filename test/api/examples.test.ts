import { describe, expect, it } from 'vitest';
import { openLog } from '../../src/log/LogReader.js';
import { useTempDir } from '../log/tempDir.js';
import {
  bootPartition,
  closeHost,
  dirtyPass,
  errors,
  hypervisorFault,
  interrupts,
  movableMigration,
  openHost,
  pauseKicksSleepingRun,
  runLoop,
} from './examples.js';

describe('the Host API guide examples (docs/guide/host-api.md)', () => {
  const tempDir = useTempDir();
  it('boot, run loop, interrupts, dirty pass, pause, errors and close do what the guide says', async () => {
    const dir = tempDir();
    const host = openHost(`${dir}/guide.log`);
    expect(host.describe()[0]).toBe('seed 7');
    const { partition, vps } = bootPartition(host);
    const [vp0, vp1] = vps as [NonNullable<(typeof vps)[0]>, NonNullable<(typeof vps)[1]>];
    expect(partition.phase).toBe('running');
    expect(await runLoop(host, partition, vp0)).toEqual(['IO_PORT', 'UNMAPPED_GPA', 'HALT']);
    expect(interrupts(partition)).toMatchObject({ routes: 1 });
    expect(await dirtyPass(host, partition, vp0)).toEqual([5, 9]);
    const errs = errors(partition);
    expect(errs.map((e) => [e.source, e.errnoName, e.rule ?? e.op])).toEqual([
      ['argument', 'EINVAL', 'pageAligned'],
      ['refused', 'EBUSY', 'snapshotOnlyWhileQuiesced'],
      ['driver', 'EEXIST', 'MSHV_SET_GUEST_MEMORY'],
    ]);
    expect(errs[0]?.field).toBe('size');
    expect(await pauseKicksSleepingRun(partition, vp1)).toEqual({ errno: 'EINTR', phase: 'running', vps: 2 });
    closeHost(host);
    expect(partition.phase).toBe('closed');
    const log = openLog(`${dir}/guide.log`);
    try {
      expect(log.verify()).toMatchObject({ ok: true, closed: true });
    } finally {
      log.close();
    }
  });

  it('movable RAM: the VMM sees only the port writes; the migration moves the 512 pages the write faulted in, which the next write faults in again', async () => {
    expect(await movableMigration()).toEqual({
      moved: 512,
      exits: ['IO_PORT', 'IO_PORT', 'IO_PORT'],
    });
  });

  it('a fault-plan status comes back with its raw status and hypercall', () => {
    expect(hypervisorFault()).toMatchObject({
      source: 'driver',
      errnoName: 'EIO',
      hvStatus: 6,
      hvStatusName: 'ACCESS_DENIED',
      hypercall: 'INITIALIZE_PARTITION',
      op: 'MSHV_INITIALIZE_PARTITION',
    });
  });
});
