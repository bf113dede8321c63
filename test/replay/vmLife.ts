import type { ControlPlane } from '../../src/runtime/ControlPlane.js';
import type { RequestOutcome } from '../../src/runtime/RequestOutcome.js';
import type { Scenario } from '../../src/scenario/Scenario.js';
import { mapRam } from './planeSession.js';

const MiB = 1n << 20n;
const RAM = 0x7f00_0000_0000n;

/** The world of a long-lived control plane: 16 MiB of 4 KiB-backed RAM, which each VM maps in turn. */
export function churnWorld(name: string, seed: number): Scenario {
  return {
    format: 1,
    name,
    seed,
    hypervisor: { scheduler: 'core-smt', faults: [] },
    hostMemory: [{ kind: 'ram', userAddr: RAM, size: 16n * MiB, pageSize: 4096 }],
    steps: [],
  };
}

/** A request that must succeed (the bench runs this too, so no test framework here); its number, if any. */
function done(o: RequestOutcome): number {
  if (o.status !== 'done') throw new Error(`expected done, got ${JSON.stringify(o)}`);
  return typeof o.value === 'number' ? o.value : -1;
}

/**
 * One VM's life on a `churnWorld`: create, initialize, map the RAM, a doorbell on an eventfd, two VPs
 * made ready, start, an exit taken on VP 0, close, then the doorbell's eventfd closed.
 */
export function vmLife(plane: ControlPlane, key: string): void {
  done(plane.createPartition(key, { ptFlags: 0n, ptIsolation: 0n }));
  done(plane.partition(key, { type: 'INITIALIZE' }));
  mapRam(plane, key, RAM, 16n * MiB);
  const bell = done(plane.eventfd());
  done(
    plane.partition(key, {
      type: 'IOEVENTFD',
      assign: true,
      pio: false,
      detail: { fd: bell, addr: '0xf0000000', len: 4 },
    }),
  );
  for (const vp of [0, 1]) {
    done(plane.partition(key, { type: 'CREATE_VP', vp }));
    done(plane.vp(key, vp, { type: 'READY' }));
  }
  done(plane.partition(key, { type: 'START' }));
  plane.guest(key, 0, [{ exit: 'CPUID', leaf: 1, subleaf: 0 }]);
  done(plane.vp(key, 0, { type: 'RUN' }));
  done(plane.partition(key, { type: 'CLOSE' }));
  done(plane.closeEventfd(bell));
}
