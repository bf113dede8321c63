import { lastValueFrom, merge, Subject, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  type IoctlResult,
  type OperationRequest,
  runOperations,
  type Scenario,
  SimWorld,
  TraceRecorder,
} from '../../../src/index.js';

const scenario = {
  format: 1,
  name: 'embedder',
  seed: 5,
  hypervisor: { scheduler: 'core-smt', faults: [] },
  hostMemory: [],
  steps: [],
} as unknown as Scenario;

/**
 * The operation stream as an embedder uses it from the package root: two asynchronous sources (the
 * VMM's own setup and a device model's MSI routing) issue operations on one partition of a simulated
 * /dev/mshv through routines that finish later (Promises). The stream starts a partition's next
 * operation only when the one before it has finished, keeps the order they arrived in, and hands back
 * every outcome, a driver's refusal as a value.
 */
describe('runOperations from the package root, on the simulated device', () => {
  it('runs one partition’s operations one at a time, in arrival order, outcomes as values', async () => {
    const dev = new SimWorld(scenario, new TraceRecorder()).device;
    const created = dev.createPartition({ ptFlags: 1n, ptIsolation: 0n });
    if (!created.ok) throw new Error(created.error.message);
    const pt = created.value;
    const events: string[] = [];
    let inFlight = 0;
    const op = (id: number, name: string, call: () => IoctlResult<unknown>): OperationRequest<unknown> => ({
      id,
      partition: 'vm0',
      name,
      run: async () => {
        events.push(`start ${id}`);
        inFlight += 1;
        expect(inFlight).toBe(1);
        await Promise.resolve();
        const outcome = call();
        inFlight -= 1;
        events.push(`end ${id}`);
        return outcome;
      },
    });
    const vmm = new Subject<OperationRequest<unknown>>();
    const deviceModel = new Subject<OperationRequest<unknown>>();
    const done = lastValueFrom(runOperations(merge(vmm, deviceModel)).pipe(toArray()));
    vmm.next(op(1, 'MSHV_INITIALIZE_PARTITION', () => dev.initializePartition(pt)));
    deviceModel.next(op(2, 'MSHV_SET_MSI_ROUTING', () => dev.setMsiRouting(pt, [])));
    vmm.next(op(3, 'MSHV_CREATE_VP', () => dev.createVp(pt, 0)));
    vmm.next(op(4, 'MSHV_CREATE_VP', () => dev.createVp(pt, 0)));
    vmm.complete();
    deviceModel.complete();
    const results = await done;
    expect(events).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3', 'start 4', 'end 4']);
    // The same VP index twice: the driver's EEXIST comes back as the fourth result (inventory §c.5).
    expect(results.map((r) => [r.id, r.ok ? 'ok' : r.error.errnoName])).toEqual([
      [1, 'ok'],
      [2, 'ok'],
      [3, 'ok'],
      [4, 'EEXIST'],
    ]);
  });
});
