import { describe, expect, it } from 'vitest';
import { partitionMachine } from '../../machines/partition/partitionMachine.js';
import { vpMachine } from '../../machines/vp/vpMachine.js';
import { canonicalJson } from '../../src/log/canonicalJson.js';
import type { JsonObject, JsonValue } from '../../src/log/JsonValue.js';
import { ControlPlane } from '../../src/runtime/ControlPlane.js';
import type { Machines } from '../../src/runtime/Machines.js';
import { MemorySink } from '../../src/runtime/RecordSink.js';
import { SinkRecorder } from '../../src/runtime/SinkRecorder.js';
import { stateName } from '../../src/runtime/stateName.js';
import { SimWorld } from '../../src/runner/SimWorld.js';
import { bootPartition, planeWorld } from '../replay/planeSession.js';

/** A plane and its world after the same deterministic prefix: vm0 running, VP 1 asleep in MSHV_RUN_VP. */
function prefix(machines?: Machines): {
  plane: ControlPlane;
  world: SimWorld;
  sink: MemorySink;
} {
  const sink = new MemorySink();
  const world = new SimWorld(planeWorld('core-smt', 9, 1), new SinkRecorder(sink));
  const plane = new ControlPlane(world, { sink, ...(machines === undefined ? {} : { machines }) });
  bootPartition(plane, 'vm0', 0, 2);
  expect(plane.vp('vm0', 1, { type: 'RUN' }).status).toBe('pending');
  return { plane, world, sink };
}

/** What the plane does next: its records from here on. */
function suffix(plane: ControlPlane, sink: MemorySink): unknown[] {
  const from = sink.records.length;
  plane.guest('vm0', 0, [{ exit: 'IO_PORT', port: 0x60, write: false, size: 1, value: 0 }]);
  plane.vp('vm0', 0, { type: 'RUN' });
  plane.partition('vm0', { type: 'PAUSE' });
  plane.partition('vm0', { type: 'RESUME' });
  plane.partition('vm0', { type: 'CLOSE' });
  return sink.records.slice(from);
}

describe('ControlPlane.saveState / ControlPlane.restore', () => {
  it('the state is canonical JSON with each machine as xstate persisted it; restore reads it back equal', () => {
    const { plane, world } = prefix();
    const saved = plane.saveState();
    expect(() => canonicalJson(saved)).not.toThrow();
    const slot = (saved as { partitions: JsonObject[] }).partitions[0]!;
    expect(slot).toMatchObject({ key: 'vm0', fd: 3, released: false, savedClock: null });
    expect(slot.machine).toEqual(
      JSON.parse(JSON.stringify(partitionMachine.getPersistedSnapshot(plane.partitionSnapshot('vm0')!))),
    );
    const vps = slot.vps as JsonObject[];
    expect(vps.map((v) => v.run === null)).toEqual([true, false]);
    const restored = ControlPlane.restore(world, JSON.parse(JSON.stringify(saved)) as JsonValue);
    expect(restored.ok).toBe(true);
    if (!restored.ok) return;
    expect(restored.value.saveState()).toEqual(saved);
    expect(stateName(restored.value.partitionSnapshot('vm0')?.value)).toBe('live.running');
    expect(restored.value.pendingRuns()).toEqual(plane.pendingRuns());
    expect(restored.value.eventfds()).toEqual([4, 5]);
  });

  it('a restored plane over an identical world continues record for record like the original', () => {
    const a = prefix();
    const b = prefix();
    const restored = ControlPlane.restore(b.world, a.plane.saveState(), { sink: b.sink });
    if (!restored.ok) throw new Error(restored.error);
    expect(suffix(restored.value, b.sink)).toEqual(suffix(a.plane, a.sink));
  });

  it('restores each machine on the definitions given, so a planted guard stays planted', () => {
    const planted = {
      partition: partitionMachine.provide({ guards: { snapshotOnlyWhileQuiesced: () => true } }),
      vp: vpMachine,
    };
    const { plane, world } = prefix();
    const shipped = ControlPlane.restore(world, plane.saveState());
    const variant = ControlPlane.restore(world, plane.saveState(), { machines: planted });
    if (!shipped.ok || !variant.ok) throw new Error('restore failed');
    expect(shipped.value.partition('vm0', { type: 'SNAPSHOT' })).toMatchObject({
      status: 'rejected',
      errno: 'EBUSY',
    });
    expect(variant.value.partition('vm0', { type: 'SNAPSHOT' }).status).not.toBe('rejected');
  });

  it('a malformed state is an error value naming its JSON path; nothing is half built', () => {
    const { plane, world } = prefix();
    const saved = plane.saveState() as JsonObject;
    const bad = (state: JsonValue) => {
      const r = ControlPlane.restore(world, state);
      return r.ok ? 'ok' : r.error;
    };
    expect(bad(null)).toBe('$: expected an object');
    expect(bad({ ...saved, format: 'other' })).toBe("$.format: expected 'mshv-control-plane'");
    expect(bad({ ...saved, version: 2 })).toBe('$.version: version 2 is not supported (this build reads 1)');
    const partitions = saved.partitions as JsonObject[];
    expect(bad({ ...saved, partitions: [{ ...partitions[0]!, fd: 'three' }] })).toBe(
      '$.partitions[0].fd: expected an integer',
    );
    expect(
      bad({ ...saved, partitions: [{ ...partitions[0]!, machine: { value: 'nowhere', context: {} } }] }),
    ).toMatch(/^\$\.partitions\[0\]\.machine: not a snapshot of partition: /);
    expect(bad({ ...saved, partitions: [{ ...partitions[0]!, savedClock: '12' }] })).toBe(
      '$.partitions[0].savedClock: expected a u64 as 0x hex',
    );
  });

  it('eventfd() is an intent and an operation of its own, on no fd', () => {
    const sink = new MemorySink();
    const world = new SimWorld(planeWorld('core-smt', 1, 1), new SinkRecorder(sink));
    const plane = new ControlPlane(world, { sink });
    expect(plane.eventfd()).toEqual({ status: 'done', value: 3 });
    expect(sink.records).toEqual([
      { kind: 'intent', name: 'eventfd', args: {} },
      {
        kind: 'operation',
        id: 1,
        name: 'eventfd',
        fd: null,
        partition: null,
        vp: null,
        request: 0,
        args: {},
      },
      { kind: 'result', id: 1, op: 'eventfd', outcome: { ok: true, value: 3 } },
    ]);
    expect(sink.commits).toEqual([3]);
    expect(plane.eventfds()).toEqual([3]);
  });

  it('closeEventfd() closes an eventfd it made (an operation on that fd); any other fd is refused EBADF', () => {
    const sink = new MemorySink();
    const world = new SimWorld(planeWorld('core-smt', 1, 1), new SinkRecorder(sink));
    const plane = new ControlPlane(world, { sink });
    expect(plane.eventfd()).toEqual({ status: 'done', value: 3 });
    expect(plane.eventfd()).toEqual({ status: 'done', value: 4 });
    const from = sink.records.length;
    expect(plane.closeEventfd(3)).toEqual({ status: 'done', value: null });
    expect(sink.records.slice(from)).toEqual([
      { kind: 'intent', name: 'closeEventfd', args: { fd: 3 } },
      { kind: 'operation', id: 3, name: 'close', fd: 3, partition: null, vp: null, request: 0, args: {} },
      { kind: 'result', id: 3, op: 'close', outcome: { ok: true, value: null } },
    ]);
    expect(plane.eventfds()).toEqual([4]);
    // Closed, it takes no write; and it is no longer the plane's to close.
    expect(plane.writeEventfd(3)).toMatchObject({ status: 'failed', error: { errnoName: 'EBADF' } });
    const refused = { status: 'rejected', errno: 'EBADF', rule: 'eventfdExists' };
    expect(plane.closeEventfd(3)).toEqual(refused);
    // A partition fd is not an eventfd: refused before anything reaches the device.
    const pt = plane.createPartition('vm0', { ptFlags: 0n, ptIsolation: 0n });
    expect(pt.status).toBe('done');
    expect(plane.closeEventfd(pt.status === 'done' ? (pt.value as number) : -1)).toEqual(refused);
    expect(plane.partitionKeys()).toEqual(['vm0']);
    // The saved state lists the open ones only, and restores to them.
    const saved = plane.saveState() as { eventfds: number[] };
    expect(saved.eventfds).toEqual([4]);
  });
});
