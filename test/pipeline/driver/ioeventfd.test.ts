import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HV_DOORBELL_FLAG, HV_PORT_TYPE } from '../../../src/hv/flags/HvPortType.js';
import { HvStatus } from '../../../src/hv/HvStatus.js';
import { HypercallCode as C } from '../../../src/hv/HypercallCode.js';
import { ConnectPort } from '../../../src/hv/hypercalls/ConnectPort.js';
import { CreatePort } from '../../../src/hv/hypercalls/CreatePort.js';
import { DeletePort } from '../../../src/hv/hypercalls/DeletePort.js';
import { DisconnectPort } from '../../../src/hv/hypercalls/DisconnectPort.js';
import type { StructLayout } from '../../../src/hv/Layout.js';
import { partitionId } from '../../../src/hv/ids.js';
import { MSHV_IOEVENTFD_BIT } from '../../../src/hv/uapi/flags.js';
import { createDriverEnv } from '../../../src/pipeline/driver/createDriverEnv.js';
import type { HvShared } from '../../../src/pipeline/driver/HvShared.js';
import { ioeventfd } from '../../../src/pipeline/driver/ioeventfd.js';
import { KernelPartition } from '../../../src/pipeline/driver/KernelPartition.js';
import { portIdsOf } from '../../../src/pipeline/driver/portIdAllocator.js';
import { releasePartitionFd } from '../../../src/pipeline/driver/teardown.js';
import type { UserIoeventfd } from '../../../src/ports/DevicePort.js';
import { HvPage } from '../../../src/ports/HvPage.js';
import { ScriptedPort, type SeenCall } from '../ScriptedPort.js';
import { noDoorbellRing } from './noDoorbellRing.js';
import { NO_HOST_MEMORY } from './noHostMemory.js';

const facts = JSON.parse(readFileSync('test/fixtures/mshv-facts.json', 'utf8')) as {
  flags_enums: {
    HV_DOORBELL_FLAG: Record<
      | 'TRIGGER_SIZE_ANY'
      | 'TRIGGER_SIZE_BYTE'
      | 'TRIGGER_SIZE_WORD'
      | 'TRIGGER_SIZE_DWORD'
      | 'TRIGGER_SIZE_QWORD',
      number
    >;
    HV_PORT_TYPE: Record<'DOORBELL', number>;
  };
  limits: { PORTID_MIN: number };
};
const DATAMATCH = 1 << MSHV_IOEVENTFD_BIT.DATAMATCH;
const PIO = 1 << MSHV_IOEVENTFD_BIT.PIO;
const DEASSIGN = 1 << MSHV_IOEVENTFD_BIT.DEASSIGN;
const ROOT = 1n;
const GUEST = 7n;
const unused = (): never => {
  throw new Error('not used by ioeventfd');
};

function rig() {
  const port = new ScriptedPort();
  let nextPfn = 0x1000;
  let memory = true;
  const shared: HvShared = {
    ...noDoorbellRing,
    readPage: unused,
    writePage: unused,
    sint0Message: () => null,
    ackSint0Message: unused,
    setInterruptHandler: unused,
    runHypervisor: unused,
    takeSignal: () => false,
  };
  const env = createDriverEnv({
    hypervisor: port,
    pages: { input: new HvPage(), output: new HvPage() },
    kernel: {
      allocPages: (n) => {
        if (!memory) return null;
        nextPfn += n;
        return [{ pfn: nextPfn - n, count: n }];
      },
      freePages: () => undefined,
    },
    host: NO_HOST_MEMORY,
    rootPartition: partitionId(ROOT),
    scheduler: 'core-smt',
    recorder: { wantsBytes: false, record: () => undefined },
    shared,
  });
  const pt = new KernelPartition(3, partitionId(GUEST), 0n);
  const call = (arg: Partial<UserIoeventfd>, on = pt) =>
    ioeventfd(
      env,
      on,
      { fd: 10, addr: 0xfe00_0000n, len: 4, datamatch: 0n, flags: 0, ...arg },
      new Set([10, 11]),
    );
  return { port, env, pt, call, noMemory: () => (memory = false) };
}

const errnoOf = (r: { ok: boolean; error?: { errnoName: string } }) => (r.ok ? 'ok' : r.error?.errnoName);
const decode = (layout: StructLayout, c: SeenCall | undefined) =>
  layout.decode(new DataView((c?.input ?? new Uint8Array(layout.size)).buffer));
const codes = (port: ScriptedPort) => port.seen.map((c) => c.code);

describe('MSHV_IOEVENTFD validation (inventory §c.11, §d): errno and no state left behind', () => {
  it.each([
    ['unknown flag bits', { flags: 0x8 }, 'EINVAL'],
    ['rsvd != 0', { rsvd: 1 }, 'EINVAL'],
    ['PIO', { flags: PIO }, 'EOPNOTSUPP'],
    ['PIO on deassign', { flags: PIO | DEASSIGN }, 'EOPNOTSUPP'],
    ['len 3', { len: 3 }, 'EINVAL'],
    ['len 16', { len: 16 }, 'EINVAL'],
    ['addr + len wrapping the u64 range', { addr: 0xffff_ffff_ffff_fffen, len: 4 }, 'EINVAL'],
    ['an fd that is not open', { fd: 99 }, 'EBADF'],
    ['deassign with an fd that is not open', { fd: 99, flags: DEASSIGN }, 'EBADF'],
    ['deassign with nothing assigned', { flags: DEASSIGN }, 'ENOENT'],
  ] as const)('rejects %s', (_rule, arg, errno) => {
    const r = rig();
    expect(errnoOf(r.call(arg))).toBe(errno);
    expect(r.pt.ioeventfds).toEqual([]);
    expect(r.port.seen).toEqual([]);
    expect(portIdsOf(r.env).inUse()).toEqual([]);
  });

  it('accepts addr + len ending exactly at 2^64 - 1', () => {
    expect(errnoOf(rig().call({ addr: 0xffff_ffff_ffff_fffbn, len: 4 }))).toBe('ok');
  });

  it.each([
    ['a wildcard over a datamatch', { flags: DATAMATCH, datamatch: 5n }, { flags: 0 }],
    ['a datamatch over a wildcard', { flags: 0 }, { flags: DATAMATCH, datamatch: 9n }],
    ['an equal datamatch', { flags: DATAMATCH, datamatch: 5n }, { fd: 11, flags: DATAMATCH, datamatch: 5n }],
  ] as const)('refuses %s at the same addr and len with EEXIST', (_case, first, second) => {
    const r = rig();
    expect(errnoOf(r.call(first))).toBe('ok');
    const seen = r.port.seen.length;
    expect(errnoOf(r.call(second))).toBe('EEXIST');
    expect(r.pt.ioeventfds).toHaveLength(1);
    expect(r.port.seen).toHaveLength(seen);
  });

  it('allows different datamatches, or another len, at the same addr', () => {
    const r = rig();
    expect(errnoOf(r.call({ flags: DATAMATCH, datamatch: 1n }))).toBe('ok');
    expect(errnoOf(r.call({ flags: DATAMATCH, datamatch: 2n }))).toBe('ok');
    expect(errnoOf(r.call({ len: 8 }))).toBe('ok');
    expect(r.pt.ioeventfds.map((p) => p.portId)).toEqual([1, 2, 3]);
  });
});

describe('ioeventfd doorbells (inventory §c.11)', () => {
  it('assigns with CREATE_PORT (root, DOORBELL, SINT 5, any VP) then CONNECT_PORT (gpa, datamatch, size code)', () => {
    const r = rig();
    expect(errnoOf(r.call({ addr: 0xfe00_1000n, len: 2, flags: DATAMATCH, datamatch: 0xabn }))).toBe('ok');
    expect(codes(r.port)).toEqual([C.CREATE_PORT, C.CONNECT_PORT]);
    expect(decode(CreatePort.input, r.port.seen[0])).toEqual({
      portPartitionId: ROOT,
      portId: facts.limits.PORTID_MIN,
      portVtl: 0,
      minConnectionVtl: 0,
      connectionPartitionId: GUEST,
      portInfoPortType: facts.flags_enums.HV_PORT_TYPE.DOORBELL,
      portInfoDoorbellTargetSint: 5,
      portInfoDoorbellTargetVp: 0xffff_ffff,
      proximityDomainInfo: 0n,
    });
    expect(decode(ConnectPort.input, r.port.seen[1])).toEqual({
      connectionPartitionId: GUEST,
      connectionId: 1,
      connectionVtl: 0,
      portPartitionId: ROOT,
      portId: 1,
      connectionInfoPortType: HV_PORT_TYPE.DOORBELL,
      connectionInfoDoorbellGpa: 0xfe00_1000n,
      connectionInfoDoorbellTriggerValue: 0xabn,
      connectionInfoDoorbellFlags: BigInt(facts.flags_enums.HV_DOORBELL_FLAG.TRIGGER_SIZE_WORD),
      proximityDomainInfo: 0n,
    });
    expect(r.pt.ioeventfds).toEqual([
      { eventfd: 10, addr: 0xfe00_1000n, len: 2, datamatch: 0xabn, wildcard: false, portId: 1 },
    ]);
  });

  it.each([
    [0, facts.flags_enums.HV_DOORBELL_FLAG.TRIGGER_SIZE_ANY],
    [1, facts.flags_enums.HV_DOORBELL_FLAG.TRIGGER_SIZE_BYTE],
    [4, facts.flags_enums.HV_DOORBELL_FLAG.TRIGGER_SIZE_DWORD],
    [8, facts.flags_enums.HV_DOORBELL_FLAG.TRIGGER_SIZE_QWORD],
  ])(
    'a wildcard of len %i connects with size code %i | TRIGGER_ANY_VALUE and trigger value 0',
    (len, code) => {
      const r = rig();
      r.call({ len, datamatch: 0x77n });
      expect(decode(ConnectPort.input, r.port.seen[1])).toMatchObject({
        connectionInfoDoorbellTriggerValue: 0n,
        connectionInfoDoorbellFlags: BigInt((code | HV_DOORBELL_FLAG.TRIGGER_ANY_VALUE) >>> 0),
      });
      expect(r.pt.ioeventfds[0]).toMatchObject({ wildcard: true, datamatch: 0n });
    },
  );

  it('deposits 1 page into the root for CREATE_PORT and into the guest for CONNECT_PORT (inventory §b.3)', () => {
    const r = rig();
    r.port.script(C.CREATE_PORT, () => ({ result: HvStatus.INSUFFICIENT_MEMORY }));
    r.port.script(C.CONNECT_PORT, () => ({ result: HvStatus.INSUFFICIENT_MEMORY }));
    expect(errnoOf(r.call({}))).toBe('ok');
    expect(codes(r.port)).toEqual([
      C.CREATE_PORT,
      C.DEPOSIT_MEMORY,
      C.CREATE_PORT,
      C.CONNECT_PORT,
      C.DEPOSIT_MEMORY,
      C.CONNECT_PORT,
    ]);
    const target = (i: number) =>
      new DataView(r.port.seen[i]?.input.buffer ?? new ArrayBuffer(8)).getBigUint64(0, true);
    expect([target(1), target(4)]).toEqual([ROOT, GUEST]);
    expect([r.port.seen[1]?.repCount, r.port.seen[4]?.repCount]).toEqual([1, 1]);
  });

  it('unwinds a failed CREATE_PORT: the id is freed, nothing recorded, hv_result_to_errno returned', () => {
    const r = rig();
    r.port.script(C.CREATE_PORT, () => ({ result: HvStatus.INVALID_PARAMETER }));
    const res = r.call({});
    expect(res.ok ? undefined : res.error).toMatchObject({
      errnoName: 'EINVAL',
      hvStatusName: 'INVALID_PARAMETER',
    });
    expect(codes(r.port)).toEqual([C.CREATE_PORT]);
    expect(r.pt.ioeventfds).toEqual([]);
    expect(portIdsOf(r.env).inUse()).toEqual([]);
  });

  it('unwinds a failed CONNECT_PORT with DELETE_PORT(root, id) and frees the id', () => {
    const r = rig();
    r.port.script(C.CONNECT_PORT, () => ({ result: HvStatus.INVALID_CONNECTION_ID }));
    expect(errnoOf(r.call({}))).toBe('EINVAL');
    expect(codes(r.port)).toEqual([C.CREATE_PORT, C.CONNECT_PORT, C.DELETE_PORT]);
    expect(decode(DeletePort.input, r.port.seen[2])).toEqual({ portPartitionId: ROOT, portId: 1 });
    expect(r.port.seen[2]?.fast).toBe(true);
    expect(r.pt.ioeventfds).toEqual([]);
    expect(errnoOf(r.call({}))).toBe('ok');
    expect(r.pt.ioeventfds[0]?.portId).toBe(1);
  });

  it('returns the deposit errno when a retry deposit fails, and unwinds', () => {
    const r = rig();
    r.noMemory();
    r.port.script(C.CONNECT_PORT, () => ({ result: HvStatus.INSUFFICIENT_MEMORY }));
    expect(errnoOf(r.call({}))).toBe('ENOMEM');
    expect(codes(r.port)).toEqual([C.CREATE_PORT, C.CONNECT_PORT, C.DELETE_PORT]);
    expect(portIdsOf(r.env).inUse()).toEqual([]);
  });

  it('deassigns on an exact match with DISCONNECT_PORT(guest, id, doorbell) then DELETE_PORT(root, id)', () => {
    const r = rig();
    r.call({ flags: DATAMATCH, datamatch: 5n });
    r.call({ addr: 0xfe00_2000n });
    r.port.seen.length = 0;
    expect(errnoOf(r.call({ flags: DATAMATCH | DEASSIGN, datamatch: 6n }))).toBe('ENOENT');
    expect(errnoOf(r.call({ flags: DEASSIGN }))).toBe('ENOENT');
    expect(errnoOf(r.call({ fd: 11, flags: DATAMATCH | DEASSIGN, datamatch: 5n }))).toBe('ENOENT');
    expect(errnoOf(r.call({ len: 8, flags: DATAMATCH | DEASSIGN, datamatch: 5n }))).toBe('ENOENT');
    expect(r.port.seen).toEqual([]);
    expect(errnoOf(r.call({ flags: DATAMATCH | DEASSIGN, datamatch: 5n }))).toBe('ok');
    expect(codes(r.port)).toEqual([C.DISCONNECT_PORT, C.DELETE_PORT]);
    expect(decode(DisconnectPort.input, r.port.seen[0])).toEqual({
      connectionPartitionId: GUEST,
      connectionId: 1,
      isDoorbell: 1,
    });
    expect(decode(DeletePort.input, r.port.seen[1])).toEqual({ portPartitionId: ROOT, portId: 1 });
    expect(r.pt.ioeventfds.map((p) => p.portId)).toEqual([2]);
    // A wildcard deassign ignores datamatch; the freed id 1 is the lowest free again.
    expect(errnoOf(r.call({ addr: 0xfe00_2000n, datamatch: 99n, flags: DEASSIGN }))).toBe('ok');
    expect(errnoOf(r.call({}))).toBe('ok');
    expect(r.pt.ioeventfds.map((p) => p.portId)).toEqual([1]);
  });

  it('shares one port-id table across partitions and reclaims the ids of a released partition fd', () => {
    const r = rig();
    const other = new KernelPartition(4, partitionId(8n), 0n);
    r.call({});
    r.call({}, other);
    r.call({ addr: 0xfe00_3000n });
    expect([...r.pt.ioeventfds, ...other.ioeventfds].map((p) => p.portId)).toEqual([1, 3, 2]);
    releasePartitionFd(r.env, r.pt);
    expect(portIdsOf(r.env).inUse()).toEqual([2]);
    r.call({ addr: 0xfe00_4000n }, other);
    expect(other.ioeventfds.map((p) => p.portId)).toEqual([2, 1]);
  });
});
