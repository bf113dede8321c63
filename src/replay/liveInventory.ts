import type { KernelPartition, KernelRegion, KernelVp } from '../pipeline/driver/KernelPartition.js';
import type { IntentDriver } from './IntentDriver.js';

/** A VP that was live: its fd, and its machine state and sleeping run where the runtime keeps them. */
export interface LiveVp {
  readonly index: number;
  readonly fd: number;
  readonly state: string | null;
  readonly runPending: boolean;
}

/** A partition that was live, as the driver and the simulated hypervisor hold it. */
export interface LivePartition {
  /** The runtime's name for it (partition key or scenario name); `fd N` when the runtime has none. */
  readonly name: string;
  readonly fd: number;
  /** The partition fd is still open (false: only VP fds keep the partition alive). */
  readonly fdOpen: boolean;
  /** Hypervisor partition id, `0x` hex. */
  readonly id: string;
  /** The partition machine's state, or null. */
  readonly state: string | null;
  readonly initialized: boolean;
  readonly regions: readonly {
    readonly guestPfn: number;
    readonly pages: number;
    readonly kind: KernelRegion['kind'];
    readonly userAddr: string;
    /** A movable region's pages present (faulted in and not invalidated since); absent for the other kinds. */
    readonly presentPages?: number;
  }[];
  readonly vps: readonly LiveVp[];
  /** Ioeventfds: each a doorbell port in the hypervisor. */
  readonly doorbells: readonly {
    readonly portId: number;
    readonly eventfd: number;
    readonly addr: string;
    readonly len: number;
  }[];
  readonly irqfds: readonly { readonly eventfd: number; readonly gsi: number }[];
  readonly msiRoutes: number;
  /** Pages in the partition's hypervisor pool (deposited and not withdrawn), free and used. */
  readonly pool: { readonly pages: number; readonly freePages: number; readonly usedPages: number } | null;
  /** Ports and connections the hypervisor holds for it. */
  readonly ports: number;
  readonly connections: number;
}

/** Everything live in a world: partitions (with their regions, VPs, doorbells, pools) and eventfds. */
export interface LiveInventory {
  readonly partitions: readonly LivePartition[];
  /**
   * Every eventfd the process holds, ascending: those the runtime made as requests of their own
   * and those it made for a partition's irqfds and ioeventfds (also named in `irqfds` and `doorbells`).
   */
  readonly eventfds: readonly number[];
  /** Pages in the root partition's pool (deposits for partition and port objects). */
  readonly rootPoolPages: number;
  /** VP pages the runtime had mapped, `0x` addresses, ascending; absent when none. */
  readonly mappings?: readonly string[];
}

/**
 * What a runtime's world holds now, read from the process's fd table (what its exit would close):
 * each partition the driver has by an open partition fd, or kept alive by an open VP fd, with its
 * regions, its VPs whose fd is open, doorbells, irqfds, MSI routes and the hypervisor's pool, ports
 * and connections for it; and every open eventfd. The runtime names them (partition keys, machine
 * states); an fd it believes open but the table does not hold is not live.
 *
 * @example
 * liveInventory(session.driver).partitions.map((p) => p.name); // ['vm3']
 */
export function liveInventory(driver: IntentDriver): LiveInventory {
  const fds = driver.fds();
  const dev = driver.world.device;
  const machine = driver.world.machine;
  // The fd table as it stands (between requests: no ioctl is in progress).
  const table = dev.save().fds;
  const kernel = new Map<KernelPartition, { fdOpen: boolean; vps: KernelVp[] }>();
  const eventfds: number[] = [];
  for (const [fd, e] of table) {
    if (e.kind === 'eventfd') {
      eventfds.push(fd);
      continue;
    }
    const held = kernel.get(e.pt) ?? { fdOpen: false, vps: [] };
    kernel.set(e.pt, held);
    if (e.kind === 'partition') held.fdOpen = true;
    else held.vps.push(e.vp);
  }
  const partitions: LivePartition[] = [];
  for (const [pt, held] of [...kernel].sort((a, b) => a[0].fd - b[0].fd)) {
    const named = fds.partitions.find((p) => p.fd === pt.fd);
    const view = machine.partition(pt.id);
    partitions.push({
      name: named?.name ?? fds.vps.find((v) => dev.vpOf(v.fd)?.pt === pt)?.partition ?? `fd ${pt.fd}`,
      fd: pt.fd,
      fdOpen: held.fdOpen,
      id: `0x${pt.id.toString(16)}`,
      state: named?.state ?? null,
      initialized: pt.initialized,
      regions: pt.regions.map((r) => ({
        guestPfn: r.guestPfn,
        pages: r.pages,
        kind: r.kind,
        userAddr: `0x${r.userAddr.toString(16)}`,
        ...(r.faulted === undefined
          ? {}
          : { presentPages: [...r.faulted.values()].reduce((n, f) => n + f.pages, 0) }),
      })),
      vps: held.vps
        .sort((a, b) => a.index - b.index)
        .map((vp) => {
          const known = fds.vps.find((v) => v.fd === vp.fd);
          return {
            index: vp.index,
            fd: vp.fd,
            state: known?.state ?? null,
            runPending: known?.runPending ?? false,
          };
        }),
      doorbells: pt.ioeventfds.map((io) => ({
        portId: io.portId,
        eventfd: io.eventfd,
        addr: `0x${io.addr.toString(16)}`,
        len: io.len,
      })),
      irqfds: pt.irqfds.map((f) => ({ eventfd: f.eventfd, gsi: f.gsi })),
      msiRoutes: pt.msiRouting?.length ?? 0,
      pool:
        view === undefined
          ? null
          : {
              pages: view.pool.freePages + view.pool.usedPages,
              freePages: view.pool.freePages,
              usedPages: view.pool.usedPages,
            },
      ports: view?.ports.length ?? 0,
      connections: view?.connections.length ?? 0,
    });
  }
  const root = machine.partitions().find((p) => p.isRoot);
  return {
    partitions,
    eventfds: eventfds.sort((a, b) => a - b),
    rootPoolPages: root === undefined ? 0 : root.pool.freePages + root.pool.usedPages,
    ...(fds.mappings === undefined ? {} : { mappings: fds.mappings.map((a) => `0x${a.toString(16)}`) }),
  };
}
