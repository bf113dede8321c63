/**
 * Actor footprint (issue 5's performance target: ≤ 4 KB of heap per VP actor at 1,000 partitions ×
 * 16 VPs). Creates 1,000 partition actors and drives each to running with 16 VPs created, then
 * 16,000 VP actors, each a child of its partition's actor (one actor system per partition, as the
 * runtime does), and drives every VP through READY → RUN → exit (HALT) → DELETE with synthetic
 * results: no driver, no hypervisor, only the machines. The heap is measured with every VP actor
 * alive at its exit, after a full GC (the bench runs with --expose-gc).
 */
import { performance } from 'node:perf_hooks';
import { type Actor, createActor } from 'xstate';
import { partitionMachine } from '../../../machines/partition/partitionMachine.js';
import { vpMachine } from '../../../machines/vp/vpMachine.js';

const PARTITIONS = 1_000;
const VPS_PER_PARTITION = 16;

/** Heap in use after a full collection. */
function settledHeapBytes(): number {
  const gc = globalThis.gc;
  if (gc === undefined) throw new Error('the actors bench needs node --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

export function run(): Promise<Record<string, number>> {
  let emitted = 0;
  let transitions = 0;
  let drivingMs = 0;
  const count = (): void => {
    emitted++;
  };
  const timed = (fn: () => void): void => {
    const t0 = performance.now();
    fn();
    drivingMs += performance.now() - t0;
  };

  const empty = settledHeapBytes();
  const partitions: Actor<typeof partitionMachine>[] = [];
  timed(() => {
    for (let p = 0; p < PARTITIONS; p++) {
      const actor = createActor(partitionMachine, { input: { scheduler: p % 2 === 0 ? 'hv' : 'root' } });
      actor.on('*', count);
      actor.start();
      actor.send({ type: 'INITIALIZE' });
      actor.send({ type: 'OP_OK', op: 'MSHV_INITIALIZE_PARTITION' });
      for (let vp = 0; vp < VPS_PER_PARTITION; vp++) {
        actor.send({ type: 'CREATE_VP', vp });
        actor.send({ type: 'OP_OK', op: 'MSHV_CREATE_VP' });
      }
      actor.send({ type: 'START' });
      transitions += 3 + 2 * VPS_PER_PARTITION;
      partitions.push(actor);
    }
  });
  const withPartitions = settledHeapBytes();

  const vps: Actor<typeof vpMachine>[] = [];
  timed(() => {
    for (const partition of partitions) {
      const { scheduler } = partition.getSnapshot().context;
      for (let index = 0; index < VPS_PER_PARTITION; index++) {
        const vp = createActor(vpMachine, { input: { index, scheduler }, parent: partition });
        vp.on('*', count);
        vp.start();
        vp.send({ type: 'READY' });
        vps.push(vp);
      }
    }
    for (let i = 0; i < vps.length; i++) {
      const partition = partitions[Math.floor(i / VPS_PER_PARTITION)];
      vps[i]?.send({ type: 'RUN', partition: partition?.getSnapshot().context.phase ?? 'closed' });
    }
    for (const vp of vps) vp.send({ type: 'OP_OK', op: 'MSHV_RUN_VP', exit: 'HALT' });
    transitions += 3 * vps.length;
  });
  const withVps = settledHeapBytes();
  timed(() => {
    for (const vp of vps) vp.send({ type: 'DELETE' });
    transitions += vps.length;
  });

  const notDeleted = vps.filter((vp) => vp.getSnapshot().value !== 'deleted').length;
  const notRunning = partitions.filter((p) => p.getSnapshot().context.phase !== 'running').length;
  if (notDeleted > 0 || notRunning > 0)
    throw new Error(`actors bench: ${notDeleted} VPs not deleted, ${notRunning} partitions not running`);
  // One command per INITIALIZE and CREATE_VP, one MSHV_RUN_VP per VP: nothing was refused.
  if (emitted !== PARTITIONS * (1 + VPS_PER_PARTITION) + vps.length)
    throw new Error(`actors bench: ${emitted} events emitted, expected only the commands`);

  return Promise.resolve({
    actors: partitions.length + vps.length,
    heapPerVpActorBytes: Math.round((withVps - withPartitions) / vps.length),
    heapPerPartitionActorBytes: Math.round((withPartitions - empty) / partitions.length),
    transitionsPerS: Math.round(transitions / (drivingMs / 1000)),
  });
}
