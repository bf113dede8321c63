/**
 * Issue 4's scale case: a 1 TiB guest mapped and unmapped through the full simulated stack (driver
 * routine → batch loop → windowed executor → simulated hypervisor → extent maps), with 4 KiB or
 * 2 MiB backing. Hypercalls are counted, not copied, so the figure is the stack's own cost.
 */
import { performance } from 'node:perf_hooks';
import { CountingRecorder } from '../../../src/pipeline/HypercallRecorder.js';
import { SimWorld } from '../../../src/runner/SimWorld.js';
import type { Scenario } from '../../../src/scenario/Scenario.js';

const TIB = 1n << 40n;
const USER = 0x7000_0000_0000n;

function scenario(pageSize: 4096 | 2097152): Scenario {
  return {
    format: 1,
    name: `map-1tib-${pageSize === 4096 ? '4k' : '2m'}`,
    seed: 1,
    hypervisor: { scheduler: 'core-smt', faults: [] },
    hostMemory: [{ kind: 'ram', userAddr: USER, size: TIB, pageSize }],
    steps: [],
  };
}

async function measure(pageSize: 4096 | 2097152): Promise<Record<string, number>> {
  const s = scenario(pageSize);
  const recorder = new CountingRecorder();
  const world = new SimWorld(s, recorder);
  const dev = world.device;
  const pt = dev.createPartition({ ptFlags: pageSize === 4096 ? 0n : 1n << 2n, ptIsolation: 0n });
  if (!pt.ok) throw new Error(pt.error.message);
  const init = dev.initializePartition(pt.value);
  if (!init.ok) throw new Error(init.error.message);
  const before = recorder.total;
  const t0 = performance.now();
  const map = dev.setGuestMemory(pt.value, { size: TIB, guestPfn: 0n, userspaceAddr: USER, flags: 3 });
  if (!map.ok) throw new Error(map.error.message);
  const tMap = performance.now();
  const unmap = dev.setGuestMemory(pt.value, { size: TIB, guestPfn: 0n, userspaceAddr: USER, flags: 4 });
  if (!unmap.ok) throw new Error(unmap.error.message);
  const t1 = performance.now();
  const hypercalls = recorder.total - before;
  dev.close(pt.value);
  if (!world.machine.audit().ok) throw new Error('audit failed after the 1 TiB run');
  const wallMs = t1 - t0;
  return Promise.resolve({
    hypercalls,
    mapCalls: recorder.byName.get('MAP_GPA_PAGES') ?? 0,
    unmapCalls: recorder.byName.get('UNMAP_GPA_PAGES') ?? 0,
    wallMs: Math.round(wallMs),
    mapMs: Math.round(tMap - t0),
    hypercallsPerS: Math.round(hypercalls / (wallMs / 1000)),
    largestWindowReps: dev.env.windows.largestReps,
  });
}

export const run4k = (): Promise<Record<string, number>> => measure(4096);
export const run2m = (): Promise<Record<string, number>> => measure(2097152);
