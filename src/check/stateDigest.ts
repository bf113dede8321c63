import { HV_X64_REGISTER_RIP } from '../../adapters/simulated/model/Guest.js';
import type { Partition } from '../../adapters/simulated/model/Partition.js';
import type { Vp } from '../../adapters/simulated/model/Vp.js';
import type { RacingMigration } from '../../adapters/simulated/host/UserSpace.js';
import type { KernelPartition, KernelRegion } from '../pipeline/driver/KernelPartition.js';
import { HV_PARTITION_PROPERTY } from '../hv/flags/HvPartitionProperty.js';
import { partitionId } from '../hv/ids.js';
import { checksumHex, fnv64Ascii, fnv64Init } from '../log/checksum.js';
import { stateName } from '../runtime/stateName.js';
import type { CheckModel } from './CheckModel.js';
import type { CheckWorld } from './CheckWorld.js';
import { lastIntercept } from './lastIntercept.js';

/** The symmetry a digest folds away. */
export type Symmetry = CheckModel['symmetry'];

/** An extra armed fault a digest counts as if it were armed (a fault child, computed without running it). */
export interface ExtraFault {
  readonly call: string;
  readonly ahead: number;
  readonly status: number;
  readonly completionDelayNs?: bigint;
}

/**
 * The one seam through which exploration hashes a state: a 64-bit digest (16 hex digits) of
 * everything that decides what the world does next. Two worlds with the same digest are treated as
 * the same state (the explorer keeps the first path that reached it). The snapshot branch's
 * canonical `stateDigest()` of the simulated world is meant to replace `controlPlaneDigest` here.
 */
export type StateDigest = (world: CheckWorld, symmetry: Symmetry, extra?: ExtraFault) => string;

const bool = (b: boolean): string => (b ? '1' : '0');

function sortedKeys(m: ReadonlyMap<number, unknown>): string {
  return [...m.keys()].sort((a, b) => a - b).join(',');
}

/**
 * A VP's RIP and, while it is suspended on an intercept, where that intercept stopped it
 * (ripNotAdvanced compares the two). An intercept the VP was resumed from decides nothing.
 */
function ripText(hv: Vp): string {
  const rip = hv.reg64(HV_X64_REGISTER_RIP);
  const last = hv.interceptSuspend ? lastIntercept(hv.lastMessage) : undefined;
  return last === undefined ? `${rip}` : `${rip}@${last.type}:${last.rip}`;
}

/**
 * A VP's queued guest exits by content: what the next RUN reports (its kind, port, access, value) is
 * what the explorer branches on, so an IO_PORT and a HALT exit queued are two states.
 */
function scriptText(hv: Vp): string {
  return hv.script
    .map((e) =>
      Object.entries(e)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(','),
    )
    .join('/');
}

/**
 * What interrupt delivery names a VP by: the MSI routes (the destination APIC id of a route is a VP
 * index) and the irqfds bound to them, by GSI. Eventfd numbers are fds: left out.
 */
function routesText(kp: KernelPartition | undefined): string {
  if (kp === undefined) return '-';
  const routes = (kp.msiRouting ?? []).map((r) => `${r.gsi}:${r.addressLo}:${r.addressHi}:${r.data}`);
  const irqfds = kp.irqfds.map((i) => `${i.gsi}${i.resamplefd === undefined ? '' : 'r'}`).sort();
  return `${kp.msiRouting === null ? '-' : routes.join(',')};${irqfds.join(',')}`;
}

/**
 * Whether a partition's VPs can be told apart by something outside themselves: an MSI route or an
 * irqfd (a route's destination is an APIC id, a VP index) or a port (its target VP). Then their
 * indexes are kept whatever `symmetry.vps` says: VP 0 and VP 1 under a route to APIC id 0 are not
 * interchangeable (a signal on the irqfd reaches one and not the other).
 */
function vpsNamed(kp: KernelPartition | undefined, hp: Partition | undefined): boolean {
  return (
    (kp !== undefined && ((kp.msiRouting?.length ?? 0) > 0 || kp.irqfds.length > 0)) ||
    (hp !== undefined && hp.ports.size + hp.connections.size > 0)
  );
}

/** Dirty-page tracking as the hypervisor holds it: the property and the accessed/dirty bits by GFN run. */
function dirtyText(hp: Partition): string {
  const runs: string[] = [];
  for (const e of hp.gpa.access) runs.push(`${e.start}-${e.end}=${e.value}`);
  return `${hp.properties.get(HV_PARTITION_PROPERTY.GPA_PAGE_ACCESS_TRACKING) ?? 0n}:${runs.join(',')}`;
}

/** The migration armed to race the next fault-in (`migrateUserPages` during `nextFaultIn`), or '-'. */
function raceText(race: RacingMigration | null): string {
  return race === null ? '-' : `${race.userAddr}+${race.pages}`;
}

/** A movable region's present pages (`o+n` per chunk or piece, ascending); '' for the other kinds. */
function presentText(r: KernelRegion): string {
  if (r.faulted === undefined) return '';
  const pieces = [...r.faulted.values()].sort((a, b) => a.pageOffset - b.pageOffset);
  return `[${pieces.map((f) => `${f.pageOffset}+${f.pages}`).join(' ')}]`;
}

/**
 * The digest of a world from what the ControlPlane's machines believe (state value and context of
 * every partition and VP machine, sleeping runs), what the driver holds (initialized, regions, VP
 * pages and run flags, references, MSI routes and irqfds, async completion, a movable region's present
 * pages) and what the hypervisor
 * holds (state, pool pages, mapped pages, VPs with their suspend flags, queued guest exits by
 * content, state pages, RIP and last intercept, ports, dirty-page tracking with the accessed and
 * dirty bits), each VP's restore so far (`CheckWorld.restores`), plus host page ownership totals and pinned user pages,
 * pending signals, signals the world will still lose (`world.lostSignals`), refused teardown calls
 * and every fault still to fire: the armed ones and the world's fixed ones (`world.hypervisor.faults`), each
 * as how many calls of its hypercall are still to come before it (so a path one call nearer to a
 * fixed fault is another state). Ids, fds, PFNs and the clock are left out: they name things, they
 * do not change what happens next.
 *
 * Symmetry: with `partitions`, the per-partition texts are sorted, so `vm0` and `vm1` swapped are
 * one state (the alphabet treats every key alike); with `vps`, the per-VP texts leave the index out
 * and are sorted, so identical VPs are interchangeable, except in a partition with an MSI route, an
 * irqfd or a port, which can name a VP: its VP indexes are kept. VP indexes still differ in which CPU
 * a VP's messages use; the model file can turn VP symmetry off.
 *
 * @example
 * controlPlaneDigest(world, { partitions: true, vps: true }); // '9f1c0e6a4b2d7c35'
 */
export const controlPlaneDigest: StateDigest = (world, symmetry, extra) => {
  const plane = world.plane;
  const pending = world.pendingRunKeys();
  const parts: string[] = [];
  for (const key of world.keys()) {
    const snap = plane.partitionSnapshot(key);
    if (snap === undefined) continue;
    const c = snap.context;
    const id = world.partitionId(key);
    const vps: string[] = [];
    const kp = world.kernelPartition(key);
    const hp = world.hvPartition(id);
    const vpSymmetry = symmetry.vps && !vpsNamed(kp, hp);
    for (const index of plane.vpIndexes(key)) {
      const vs = plane.vpSnapshot(key, index);
      if (vs === undefined) continue;
      const v = vs.context;
      const kv = kp?.vps.get(index);
      const hv = hp?.vps.get(index);
      const signal = id !== undefined && world.sim.shared.signalPending(index, partitionId(id));
      vps.push(
        [
          vpSymmetry ? '' : String(index),
          stateName(vs.value),
          v.flags,
          v.last ?? '-',
          bool(v.stopRequested),
          v.restoredRank,
          id === undefined ? '-' : (world.restores.progress(id, index)?.rank ?? '-'),
          bool(v.ripAdvancePending),
          v.inflight?.op ?? '-',
          bool(pending.has(`${key}/${index}`)),
          bool(signal),
          kv === undefined
            ? '-'
            : `${sortedKeys(kv.statePages)};${sortedKeys(kv.statsPages)};${bool(kv.interceptSuspend)}${bool(kv.rootSchedBlocked)}${bool(kv.rootSchedDispatched)}${bool(kv.kickedByHv)}`,
          hv === undefined
            ? '-'
            : `${bool(hv.explicitSuspend)}${bool(hv.interceptSuspend)}${bool(hv.dispatchSuspend)}${bool(hv.halted)}${hv.thread};${scriptText(hv)};${sortedKeys(hv.statePages)};${sortedKeys(hv.statsPages)};${hv.pendingVectors.length};${ripText(hv)}`,
        ].join(' '),
      );
    }
    if (vpSymmetry) vps.sort();
    const regions =
      kp === undefined
        ? '-'
        : kp.regions.map((r) => `${r.guestPfn}+${r.pages}${r.kind}${presentText(r)}`).join(',');
    parts.push(
      [
        symmetry.partitions ? '' : key,
        stateName(snap.value),
        bool(c.initialized),
        vpSymmetry ? c.vps.length : c.vps.join(','),
        [...c.regions].sort().join(','),
        c.intercepts,
        c.ioeventfds,
        c.irqfds,
        c.msiRoutes,
        `${bool(c.timeFrozen)}${c.clockToRestore === true ? 'r' : ''}${id !== undefined && world.restores.clockOwed(id) ? 'o' : ''}`,
        bool(c.vpsParked),
        bool(c.devicesQuiesced),
        c.dirty,
        c.cursor,
        c.inflight?.op ?? '-',
        kp === undefined
          ? 'closed'
          : `${bool(kp.initialized)};${kp.refs};${bool(kp.fdReleased)};${regions};${kp.ioeventfds.length};${routesText(kp)};${bool(kp.asyncCompletionDone)}`,
        hp === undefined
          ? '-'
          : `${hp.state};${hp.pool.freePages};${hp.pool.usedPages};${hp.gpa.mappedPages()};${hp.gpa.extents.size};${hp.ports.size};${hp.connections.size};${bool(hp.timeFrozen)};${hp.vps.size};${dirtyText(hp)}`,
        `[${vps.join('|')}]`,
      ].join(' '),
    );
  }
  if (symmetry.partitions) parts.sort();
  const root = world.sim.machine.model.root;
  const owners = world.sim.machine.ownership();
  const faults = world.pendingFaults();
  if (extra !== undefined) faults.push(extra);
  const text = [
    parts.join('\n'),
    `root ${root.pool.freePages} ${root.pool.usedPages}`,
    // Pinned user pages: a pin a failed map forgot to drop is a state of its own (conservation judges it).
    `host ${owners.free} ${owners.kernel} ${owners.user} ${owners.pool} ${owners.hv} pinned ${world.sim.machine.pinnedUserPages}`,
    `faults ${faults
      .map(
        (f) =>
          `${f.call}+${f.ahead}=${f.status}${f.completionDelayNs === undefined ? '' : `@${f.completionDelayNs}`}`,
      )
      .sort()
      .join(',')}`,
    `crashed ${bool(world.crashed)}`,
    // A migration armed to race the next fault-in decides what that fault-in does.
    `race ${raceText(world.sim.machine.migrationRace)}`,
    // Signals still to lose (world.lostSignals): a path past the lost one is another state.
    `lost ${world.sim.lostAhead}`,
    // Conservation does not judge "holds nothing" after a refused teardown call: it decides verdicts.
    `refused ${world.teardownRefused.size}`,
    // Partitions closed in full are gone from the plane; how many were made still bounds what comes next.
    `created ${world.createdKeys().length}`,
  ].join('\n');
  const h = fnv64Init();
  fnv64Ascii(h, text);
  return checksumHex(h);
};
