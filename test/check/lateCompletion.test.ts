import { describe, expect, it } from 'vitest';
import { CheckWorld } from '../../src/check/CheckWorld.js';
import { counterexampleFromJson, counterexampleJson } from '../../src/check/Counterexample.js';
import { DEFAULT_MODEL_JSON, defaultModel } from '../../src/check/defaultModel.js';
import { loadCheckModel } from '../../src/check/loadCheckModel.js';
import { refinement } from '../../src/check/invariants/index.js';
import { runCheck } from '../../src/check/runCheck.js';
import type { Step } from '../../src/check/Step.js';
import { HvStatus } from '../../src/hv/HvStatus.js';
import { PLANTED } from './plantedVariants.js';

const model = defaultModel();
const intent = (name: string, args: unknown): Step => ({ kind: 'intent', name, args: args as never });
const partition = (request: object): Step => intent('partition', { key: 'vm0', request });
const LATE: Step = {
  kind: 'fault',
  call: 'SET_PARTITION_PROPERTY',
  status: HvStatus.CALL_PENDING,
  skip: 0,
  completionDelayNs: 3_000_000n,
};
const INITIALIZED: Step[] = [
  intent('createPartition', { key: 'vm0', args: { ptFlags: '0x7', ptIsolation: '0x0' } }),
  partition({ type: 'INITIALIZE' }),
];
const impatient = PLANTED.find((v) => v.name === 'impatientAsyncWait') ?? PLANTED[0]!;

describe('late asynchronous completion as a fault choice (issue 6; inventory §c.9)', () => {
  it('the shipped driver waits it out: FREEZE_TIME succeeds after three waits and the machines agree', () => {
    const w = new CheckWorld({ world: model.world });
    w.observing = true;
    for (const s of [...INITIALIZED, LATE]) expect(w.run(s).violation).toBeUndefined();
    const clockBefore = w.sim.machine.clock.now();
    const r = w.run(partition({ type: 'FREEZE_TIME' }));
    expect(r.violation).toBeUndefined();
    expect(r.outcome).toMatchObject({ status: 'done' });
    expect(w.sim.machine.clock.now() - clockBefore).toBeGreaterThanOrEqual(3_000_000n);
    expect(w.sim.machine.model.synic.lateCount()).toBe(0);
    expect(w.armed).toContainEqual(expect.objectContaining({ completionDelayNs: 3_000_000n }));
  });

  it('exposes a driver that gives up waiting: asyncInFlight, with the late completion in the counterexample', async () => {
    const r = await runCheck({ model, variant: impatient, strategy: 'bfs' });
    const cex = r.counterexample;
    if (cex === undefined) throw new Error('impatientAsyncWait was not found');
    expect(cex.invariant).toBe('asyncInFlight');
    expect(cex.message).toMatch(
      /answered CALL_PENDING and its ioctl returned before consuming the completion/,
    );
    expect(cex.steps).toContainEqual(LATE);
    expect(cex.trace.join('\n')).toContain(
      'arm late completion: SET_PARTITION_PROPERTY call +1 answers CALL_PENDING and completes 3000000 ns later',
    );
    // The file form keeps the delay (a bigint) through JSON.
    const again = counterexampleFromJson(JSON.parse(JSON.stringify(counterexampleJson(cex))));
    expect(again.steps).toEqual(cex.steps);
    expect(again.world.hypervisor.faults).toContainEqual(
      expect.objectContaining({ call: 'SET_PARTITION_PROPERTY', completionDelayNs: 3_000_000n }),
    );
  });

  it('refinement sees what the impatient driver leaves: time frozen in the hypervisor, running in the machine', () => {
    const w = new CheckWorld({ world: model.world, variant: impatient, invariants: [refinement] });
    w.observing = true;
    for (const s of [...INITIALIZED, LATE]) expect(w.run(s).violation).toBeUndefined();
    const r = w.run(partition({ type: 'FREEZE_TIME' }));
    expect(r.outcome).toMatchObject({
      status: 'failed',
      error: { errnoName: 'EIO', hvStatusName: 'TIME_OUT' },
    });
    expect(r.violation?.invariant).toBe('refinement');
    expect(r.violation?.message).toBe(
      "vm0: the machine says time running, the hypervisor's partition has it frozen",
    );
  });

  it('only the late completion exposes it: within the same small bounds, the model without that choice passes', async () => {
    const bounds = { ...DEFAULT_MODEL_JSON.bounds, steps: 4 };
    const withLate = loadCheckModel({ ...DEFAULT_MODEL_JSON, bounds });
    const faults = DEFAULT_MODEL_JSON.faults.filter((f) => f.status !== 'CALL_PENDING');
    const without = loadCheckModel({ ...DEFAULT_MODEL_JSON, faults, bounds });
    expect((await runCheck({ model: withLate, variant: impatient, strategy: 'bfs' })).verdict).toBe(
      'violation',
    );
    expect((await runCheck({ model: without, variant: impatient, strategy: 'bfs' })).verdict).toBe('clean');
  });
});
