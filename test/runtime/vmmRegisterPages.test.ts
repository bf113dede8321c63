import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HV_PAGE_SIZE } from '../../src/hv/Page.js';
import { openLog } from '../../src/log/LogReader.js';
import { LogWriter } from '../../src/log/LogWriter.js';
import { openLoggedPlane, planeRunMeta } from '../../src/replay/openLoggedPlane.js';
import { recoverLog } from '../../src/replay/recoverRecords.js';
import { replayLog } from '../../src/replay/replayLog.js';
import { finalStateOf } from '../../src/replay/replaySession.js';
import { readRunMeta, runHeader } from '../../src/replay/RunMeta.js';
import { ControlPlane } from '../../src/runtime/ControlPlane.js';
import type { VmmHooks } from '../../src/runtime/VmmHooks.js';
import { MemorySink } from '../../src/runtime/RecordSink.js';
import { SinkRecorder } from '../../src/runtime/SinkRecorder.js';
import { SimWorld } from '../../src/runner/SimWorld.js';
import { bootPartition, planeWorld } from '../replay/planeSession.js';

const VMM = { mapVpRegisterPages: true };

/** rust-vmm/mshv before PR 251: the VP's fd is closed, its register page mapping is not. */
const NO_MUNMAP: Partial<VmmHooks> = {
  releaseVp: (device, vp) => {
    device.close(vp.fd);
  },
};

function plane(hooks?: Partial<VmmHooks>): { plane: ControlPlane; sim: SimWorld } {
  const sink = new MemorySink();
  const sim = new SimWorld(planeWorld('core-smt'), new SinkRecorder(sink));
  return {
    plane: new ControlPlane(sim, { sink, vmm: VMM, ...(hooks === undefined ? {} : { vmmHooks: hooks }) }),
    sim,
  };
}

const childPartitions = (sim: SimWorld): number =>
  sim.machine.partitions().filter((p) => !p.isRoot && p.state !== 'deleted').length;

describe('a VMM that maps each VP register page (VmmConfig.mapVpRegisterPages; rust-vmm/mshv issue 194)', () => {
  it('maps the register page of each VP it creates, and the mapping shows that page', () => {
    const { plane: p, sim } = plane();
    bootPartition(p, 'vm0', 0, 2);
    const maps = p.vpMappings();
    expect(maps).toHaveLength(2);
    for (const address of maps) {
      const page = sim.device.readMapped(address);
      expect(page.ok && page.value.length).toBe(HV_PAGE_SIZE);
    }
  });

  it('unmaps them when the partition is closed: the last reference goes and the partition is destroyed', () => {
    const { plane: p, sim } = plane();
    bootPartition(p, 'vm0', 0, 2);
    expect(p.partition('vm0', { type: 'CLOSE' }).status).toBe('done');
    expect(p.vpMappings()).toEqual([]);
    expect(childPartitions(sim)).toBe(0);
    expect(sim.device.partitions()).toEqual([]);
    expect(sim.machine.audit().ok).toBe(true);
  });

  it('leaks the partition when the VMM closes the VP fds but keeps the mappings (the issue 194 bug)', () => {
    const { plane: p, sim } = plane(NO_MUNMAP);
    bootPartition(p, 'vm0', 0, 2);
    // The VMM sees a clean close; the kernel still holds the partition through the mappings.
    expect(p.partition('vm0', { type: 'CLOSE' }).status).toBe('done');
    expect(childPartitions(sim)).toBe(1);
    // The mappings are still the process's; when it exits they go, and the partition with them.
    const leaked = p.vpMappings();
    expect(leaked).toHaveLength(2);
    for (const address of leaked) expect(sim.device.munmap(address).ok).toBe(true);
    expect(childPartitions(sim)).toBe(0);
    expect(sim.machine.audit().ok).toBe(true);
  });
});

describe('a logged session whose VMM maps register pages', () => {
  let work = '';
  let path = '';
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'mshv-vmm-pages-'));
  });
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('records the VMM in the run meta; replay (from the start and from a snapshot) is identical', () => {
    path = join(work, 'run.log');
    const world = planeWorld('core-smt');
    const options = { snapshotEvery: 16, vmm: VMM };
    const writer = LogWriter.create(path, runHeader(planeRunMeta(world, options), 'test'), {
      durability: 'normal',
    });
    const { plane: p, driver } = openLoggedPlane(world, writer, options);
    bootPartition(p, 'vm0', 0, 2);
    bootPartition(p, 'vm1', 1, 1);
    expect(p.partition('vm0', { type: 'CLOSE' }).status).toBe('done');
    writer.close();
    const live = finalStateOf(driver);
    const log = openLog(path);
    try {
      const meta = readRunMeta(log.header);
      expect(meta.ok && meta.value.vmm).toEqual(VMM);
    } finally {
      log.close();
    }
    const fromStart = replayLog(path, { finalState: true });
    expect(fromStart.status).toBe('identical');
    if (fromStart.status === 'identical') expect(fromStart.finalState).toEqual(live);
    expect(replayLog(path, { from: 'snapshot', finalState: true })).toMatchObject({
      status: 'identical',
      finalState: live,
    });
  });

  it('recover lists the mappings the process had, which go with it, and leaves nothing', () => {
    const r = recoverLog(path);
    expect(r.live?.mappings).toHaveLength(1);
    expect(r.status).toBe('reconciled');
    expect(r.audit?.clean).toBe(true);
  });
});
