import type { PartitionPhase } from '../../../machines/partition/PartitionContext.js';
import { stateName } from '../../runtime/stateName.js';
import type { Invariant } from './Invariant.js';
import { misplacedPage } from './misplacedPage.js';

/** The hypervisor state each machine phase stands for (closing is in between: not compared). */
const HV_STATE: Readonly<Record<PartitionPhase, readonly string[] | undefined>> = {
  created: ['created'],
  earlyProperties: ['created'],
  initialized: ['initialized'],
  configured: ['initialized'],
  running: ['initialized'],
  paused: ['initialized'],
  pausing: ['initialized'],
  resuming: ['initialized'],
  closing: undefined,
  closed: ['deleted'],
};

const list = (xs: Iterable<number>): string => [...xs].sort((a, b) => a - b).join(',');
const frozen = (yes: boolean): string => (yes ? 'frozen' : 'running');

/**
 * Refinement: what the machines believe equals what the driver and the hypervisor hold (design:
 * the machines are the abstraction, the driver and hypervisor the implementation). After every step,
 * for every partition: the machine's phase matches the hypervisor's partition state; initialized
 * agrees with the driver; time is frozen in the machine exactly when in the hypervisor; the created
 * VPs are the same set in the machine, the driver and the hypervisor; the mapped regions are as many in the machine as in the driver, and the hypervisor maps
 * exactly their pages, each guest page to the host page its region pins (`misplacedPage`); each VP's state pages are the same in the driver and the hypervisor; and a VP
 * machine in `running` has its thread sleeping in MSHV_RUN_VP.
 *
 * @example
 * refinement.afterStep?.(step, world); // 'vm0: the machine has VPs [0,1], the driver [0], the hypervisor [0]'
 */
export const refinement: Invariant = {
  name: 'refinement',
  summary: 'machine phases, VPs and regions equal what the driver and the hypervisor hold',
  afterStep(_step, world) {
    if (world.crashed) return null;
    const pending = world.pendingRunKeys();
    for (const key of world.keys()) {
      const snap = world.plane.partitionSnapshot(key);
      if (snap === undefined) continue;
      const c = snap.context;
      const id = world.partitionId(key);
      const hp = world.hvPartition(id);
      const kp = world.kernelPartition(key);
      const want = HV_STATE[c.phase];
      const state = hp?.state ?? (world.hvDeleted(id) ? 'deleted' : 'absent');
      if (want !== undefined && !want.includes(state))
        return `${key}: the machine is ${c.phase} (${stateName(snap.value)}), the hypervisor's partition is ${state}`;
      for (const vp of world.plane.vpIndexes(key)) {
        const vs = world.plane.vpSnapshot(key, vp);
        if (vs !== undefined && stateName(vs.value) === 'running' && !pending.has(`${key}/${vp}`))
          return `${key}/vp${vp}: the machine is running but no MSHV_RUN_VP is in progress`;
      }
      if (kp === undefined || hp === undefined || c.phase === 'closing' || c.phase === 'closed') continue;
      if (c.initialized !== kp.initialized)
        return `${key}: the machine says initialized=${c.initialized}, the driver ${kp.initialized}`;
      // A late completion the driver gave up on leaves the property set while the machine saw a failure.
      if (c.timeFrozen !== hp.timeFrozen)
        return `${key}: the machine says time ${frozen(c.timeFrozen)}, the hypervisor's partition has it ${frozen(hp.timeFrozen)}`;
      const machineVps = list(c.vps);
      const driverVps = list(kp.vps.keys());
      const hvVps = hp.state === 'initialized' ? list(hp.vps.keys()) : driverVps;
      if (machineVps !== driverVps || driverVps !== hvVps)
        return `${key}: the machine has VPs [${machineVps}], the driver [${driverVps}], the hypervisor [${hvVps}]`;
      if (c.regions.length !== kp.regions.length)
        return `${key}: the machine has ${c.regions.length} regions mapped, the driver ${kp.regions.length}`;
      const regionPages = kp.regions.reduce((n, r) => n + r.pages, 0);
      const mapped = hp.gpa.mappedPages();
      if (hp.state === 'initialized' && mapped !== regionPages)
        return `${key}: the driver's regions hold ${regionPages} pages, the hypervisor maps ${mapped}`;
      for (const region of hp.state === 'initialized' ? kp.regions : []) {
        const wrong = misplacedPage(region, hp.gpa);
        if (wrong !== undefined) return `${key}: region at gfn 0x${region.guestPfn.toString(16)}: ${wrong}`;
      }
      for (const [index, kv] of kp.vps) {
        const hv = hp.vps.get(index);
        if (hv === undefined) continue;
        if (list(kv.statePages.keys()) !== list(hv.statePages.keys()))
          return `${key}/vp${index}: the driver maps state pages [${list(kv.statePages.keys())}], the hypervisor [${list(hv.statePages.keys())}]`;
      }
    }
    return undefined;
  },
};
