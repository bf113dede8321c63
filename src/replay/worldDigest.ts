import type { JsonObject } from '../log/JsonValue.js';
import { toJsonValue } from '../log/toJsonValue.js';
import type { SimWorld } from '../runner/SimWorld.js';

/**
 * A world's observable state as JSON, for comparing two runs' final states: every simulated
 * partition (pools, GPA map counts, VPs, ports, time), host page ownership and the audit verdict,
 * the driver's partitions (fds, regions, VPs, eventfd bindings), teardowns, interrupt windows,
 * hypercalls served and the clock.
 *
 * @example
 * expect(worldDigest(replayed)).toEqual(worldDigest(live));
 */
export function worldDigest(world: SimWorld): JsonObject {
  const m = world.machine;
  const audit = m.audit();
  const dev = world.device;
  return {
    partitions: m.partitions().map((p) => toJsonValue(p)),
    ownership: toJsonValue(m.ownership()),
    audit: { ok: audit.ok, violations: [...audit.violations], leakedPages: audit.leakedPages },
    driver: dev.partitions().map((pt) => ({
      fd: pt.fd,
      id: `0x${pt.id.toString(16)}`,
      initialized: pt.initialized,
      refs: pt.refs,
      regions: pt.regions.map((r) => ({
        guestPfn: r.guestPfn,
        pages: r.pages,
        kind: r.kind,
        // A movable region's state is also which pages are present: [pageOffset, pages] per piece.
        ...(r.faulted === undefined
          ? {}
          : {
              faulted: [...r.faulted.values()]
                .sort((a, b) => a.pageOffset - b.pageOffset)
                .map((f) => [f.pageOffset, f.pages]),
            }),
      })),
      vps: [...pt.vps.values()].map((vp) => ({ index: vp.index, fd: vp.fd })),
      ioeventfds: pt.ioeventfds.map((io) => ({ eventfd: io.eventfd, portId: io.portId })),
      irqfds: pt.irqfds.map((f) => ({ eventfd: f.eventfd, gsi: f.gsi })),
    })),
    teardowns: dev.teardownCount,
    windows: { count: dev.env.windows.count, largestReps: dev.env.windows.largestReps },
    hypercalls: m.hypervisor.callCount,
    clockNs: `0x${m.clock.now().toString(16)}`,
  };
}
