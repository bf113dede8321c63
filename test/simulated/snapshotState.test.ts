import { describe, expect, it } from 'vitest';
import { readSynic, writeSynic } from '../../adapters/simulated/snapshot/synicJson.js';
import { SimulatedMachine } from '../../adapters/simulated/SimulatedMachine.js';
import { HvStatus as S } from '../../src/hv/HvStatus.js';
import { CreateVp, DeleteVp, GetVpState } from '../../src/hv/hypercalls/index.js';
import { canonicalJson } from '../../src/log/canonicalJson.js';
import { SnapshotError } from '../../src/snapshot/SnapshotError.js';
import { Caller, lapicStateThrough, smallMachine } from './harness.js';

/** A pool as its snapshot part writes it (snapshot/poolJson.ts): stacks as [pfnDelta, count, …]. */
interface PoolJson {
  free: number[];
  used: number[];
}

/** A restored twin through canonical text and JSON.parse, as a log would carry it. */
function twin(m: SimulatedMachine): SimulatedMachine {
  const r = SimulatedMachine.fromSnapshot(JSON.parse(canonicalJson(m.snapshot())));
  if (!r.ok) throw r.error;
  return r.value;
}

describe('a restored machine keeps the state its snapshot does not spell out (issue 5)', () => {
  it('a VP save area taken by GET_VP_STATE is given back by DELETE_VP after a restore, as before it', () => {
    // Vp.stateAreaPages was not restored: the restored VP gave back its VP pages only, and the
    // restored machine failed its audit ("structures hold … pages, pool used …").
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    expect(c.createVp(id, 0).status).toBe(S.SUCCESS);
    const buf = m.host.allocPages(1)![0]!.pfn;
    expect(lapicStateThrough(c, GetVpState, id, buf).status).toBe(S.SUCCESS);
    const copy = twin(m);
    for (const machine of [m, copy])
      expect(new Caller(machine).fast(DeleteVp, { partitionId: id, vpIndex: 0 }).status).toBe(S.SUCCESS);
    expect(copy.audit().violations).toEqual([]);
    expect(canonicalJson(copy.snapshot())).toBe(canonicalJson(m.snapshot()));
  });

  it('a fault armed for a call to come is kept: the restored machine injects it too', () => {
    // FaultPlan.save() kept the counters only, so an armed fault (the model checker's fault step)
    // vanished on restore: the copy answered SUCCESS where the original answers the fault, and the
    // two snapshot texts (and state digests) were equal although their futures differ.
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    c.deposit(id, 200);
    const unarmed = canonicalJson(m.snapshot());
    const nth = (m.hypervisor.faults.calls().get('CREATE_VP') ?? 0) + 1;
    m.hypervisor.faults.arm({
      call: 'CREATE_VP',
      nth,
      status: S.OPERATION_FAILED,
      statusName: 'OPERATION_FAILED',
    });
    expect(canonicalJson(m.snapshot())).not.toBe(unarmed);
    const copy = twin(m);
    expect(canonicalJson(copy.snapshot())).toBe(canonicalJson(m.snapshot()));
    const values = {
      partitionId: id,
      vpIndex: 0,
      subnodeType: 0,
      subnodeId: 0n,
      proximityDomainInfo: 0n,
      flags: 0n,
    };
    for (const machine of [m, copy])
      expect(new Caller(machine).call(CreateVp, values).status).toBe(S.OPERATION_FAILED);
    // Once its call is made, the armed fault is history: the snapshot reads as a never-armed one's.
    expect(canonicalJson(m.snapshot())).not.toContain('"armed"');
    expect(canonicalJson(copy.snapshot())).toBe(canonicalJson(m.snapshot()));
  });

  it('an armed fault whose call was already made is refused (consistency), naming its path', () => {
    const m = smallMachine();
    const json = JSON.parse(canonicalJson(m.snapshot())) as { faults: Record<string, unknown> };
    json.faults.armed = [{ call: 'CREATE_PARTITION', nth: 1, status: 'OPERATION_FAILED' }];
    json.faults.counts = [['CREATE_PARTITION', 1]];
    const r = SimulatedMachine.fromSnapshot(json);
    expect(r.ok ? undefined : { path: r.error.path, rule: r.error.rule }).toEqual({
      path: '$.faults.armed[0].nth',
      rule: 'consistency',
    });
  });

  it('a pool whose free stack names pages it does not hold is refused (consistency), not restored to free them twice', () => {
    // The audit compared each pool's counters with the pages tagged with it, not the stacks the pool
    // takes pages from: a free run moved onto a free host page restored, and the restored machine's
    // WITHDRAW_MEMORY handed the root a page the root never gave (inventory §b.3: withdrawn pages are
    // freed by the kernel), a host double free.
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    c.deposit(id, 4);
    const json = JSON.parse(canonicalJson(m.snapshot())) as { hv: { partitions: { pool: PoolJson }[] } };
    const pool = json.hv.partitions[1]?.pool;
    if (pool === undefined || pool.free.length < 4) throw new Error('expected two free runs');
    pool.free[2] = (pool.free[2] ?? 0) + 1; // the last run now starts one page further up
    const r = SimulatedMachine.fromSnapshot(json);
    expect(r.ok ? undefined : r.error.rule).toBe('consistency');
  });

  it('a pool whose used stack lost its runs is refused (consistency), not restored to throw at FINALIZE', () => {
    // With `used: []` and the counters untouched the audit passed; FINALIZE_PARTITION then gave the
    // pool pages back from an empty stack and threw an internal error.
    const m = smallMachine();
    const c = new Caller(m);
    c.readyPartition();
    const json = JSON.parse(canonicalJson(m.snapshot())) as { hv: { partitions: { pool: PoolJson }[] } };
    const pool = json.hv.partitions[1]?.pool;
    if (pool === undefined) throw new Error('no child pool');
    pool.used = [];
    const r = SimulatedMachine.fromSnapshot(json);
    expect(r.ok ? undefined : r.error.rule).toBe('consistency');
  });

  it('a page shared with the root that no VP state or stats page names is refused (consistency)', () => {
    // `ram.shared` was read without being compared with the VP state and stats pages: a free pool
    // page listed there restored, and the restored machine's WITHDRAW_MEMORY handed the root a page
    // still "shared", which the kernel's free then crashed on (free-in-use).
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    c.deposit(id, 4);
    const poolPage = [...m.hostExtents()].find((e) => e.kind === 'pool' && e.partition === 1)?.start;
    if (poolPage === undefined) throw new Error('no pool page');
    const json = JSON.parse(canonicalJson(m.snapshot())) as { ram: { shared: number[] } };
    json.ram.shared = [...json.ram.shared, poolPage].sort((a, b) => a - b);
    const r = SimulatedMachine.fromSnapshot(json);
    expect(r.ok ? undefined : r.error.rule).toBe('consistency');
  });

  it('late SINT0 messages out of due order are refused (order), not held back behind a later one', () => {
    const message = new Uint8Array(256);
    message[0] = 1;
    const cpu = {
      slot: new Uint8Array(256),
      queue: [],
      ring: new Uint8Array(256),
      ringHead: 0,
      ringPending: [],
      posted: 0,
      late: [
        { dueNs: 2_000n, message },
        { dueNs: 1_000n, message },
      ],
    };
    let error: unknown;
    try {
      readSynic(writeSynic([cpu]), '$.synic', 1);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SnapshotError);
    expect({ path: (error as SnapshotError).path, rule: (error as SnapshotError).rule }).toEqual({
      path: '$.synic.cpus[0].late[1].dueNs',
      rule: 'order',
    });
  });
});
