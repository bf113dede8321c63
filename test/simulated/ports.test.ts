import { describe, expect, it } from 'vitest';
import { HVMSG } from '../../src/hv/flags/HvMessageType.js';
import { HV_DOORBELL_FLAG, HV_PORT_TYPE } from '../../src/hv/flags/HvPortType.js';
import { HV_REGISTER } from '../../src/hv/flags/HvRegisterName.js';
import { HV_VP_STATE_PAGE } from '../../src/hv/flags/HvVpState.js';
import { HvStatus as S } from '../../src/hv/HvStatus.js';
import {
  ConnectPort,
  CreatePort,
  DeletePort,
  DisconnectPort,
  FinalizePartition,
  MapVpStatePage,
  NotifyPortRingEmpty,
  SetVpRegisters,
} from '../../src/hv/hypercalls/index.js';
import { HV_ANY_VP, HV_PARTITION_ID_SELF } from '../../src/hv/ids.js';
import { EVENT_RING_SLOTS } from '../../adapters/simulated/host/Synic.js';
import { Caller, smallMachine } from './harness.js';

const DOORBELL_GPA = 0xfe00_1000n;

function createPort(c: Caller, guest: bigint, portId: number, over: Record<string, unknown> = {}): number {
  for (;;) {
    const a = c.call(CreatePort, {
      portPartitionId: HV_PARTITION_ID_SELF,
      portId,
      portVtl: 0,
      minConnectionVtl: 0,
      connectionPartitionId: guest,
      portInfoPortType: HV_PORT_TYPE.DOORBELL,
      portInfoDoorbellTargetSint: 5,
      portInfoDoorbellTargetVp: HV_ANY_VP,
      proximityDomainInfo: 0n,
      ...over,
    });
    if (a.status !== S.INSUFFICIENT_MEMORY) return a.status;
    c.deposit(HV_PARTITION_ID_SELF, 1);
  }
}

function connect(
  c: Caller,
  guest: bigint,
  connectionId: number,
  portId: number,
  over: Record<string, unknown> = {},
): number {
  for (;;) {
    const a = c.call(ConnectPort, {
      connectionPartitionId: guest,
      connectionId,
      connectionVtl: 0,
      portPartitionId: HV_PARTITION_ID_SELF,
      portId,
      connectionInfoPortType: HV_PORT_TYPE.DOORBELL,
      connectionInfoDoorbellGpa: DOORBELL_GPA,
      connectionInfoDoorbellTriggerValue: 0n,
      connectionInfoDoorbellFlags:
        BigInt(HV_DOORBELL_FLAG.TRIGGER_SIZE_DWORD) | BigInt(HV_DOORBELL_FLAG.TRIGGER_ANY_VALUE),
      proximityDomainInfo: 0n,
      ...over,
    });
    if (a.status !== S.INSUFFICIENT_MEMORY) return a.status;
    c.deposit(guest, 1);
  }
}

describe('synic doorbell ports (inventory §c.11)', () => {
  it('creates, connects, disconnects and deletes a doorbell like the ioeventfd path', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const guest = c.readyPartition();
    expect(createPort(c, guest, 1)).toBe(S.SUCCESS);
    expect(createPort(c, guest, 1)).toBe(S.INVALID_PORT_ID);
    expect(connect(c, guest, 1, 1)).toBe(S.SUCCESS);
    expect(connect(c, guest, 1, 1)).toBe(S.INVALID_CONNECTION_ID);
    expect(m.partitions()[0]!.ports).toEqual([{ id: 1, type: HV_PORT_TYPE.DOORBELL, connections: [1] }]);
    expect(
      c.fast(DisconnectPort, { connectionPartitionId: guest, connectionId: 1, isDoorbell: 0 }).status,
    ).toBe(S.INVALID_PARAMETER);
    expect(
      c.fast(DisconnectPort, { connectionPartitionId: guest, connectionId: 1, isDoorbell: 1 }).status,
    ).toBe(S.SUCCESS);
    expect(
      c.fast(DisconnectPort, { connectionPartitionId: guest, connectionId: 1, isDoorbell: 1 }).status,
    ).toBe(S.INVALID_CONNECTION_ID);
    expect(c.fast(DeletePort, { portPartitionId: HV_PARTITION_ID_SELF, portId: 1 }).status).toBe(S.SUCCESS);
    expect(c.fast(DeletePort, { portPartitionId: HV_PARTITION_ID_SELF, portId: 1 }).status).toBe(
      S.INVALID_PORT_ID,
    );
    expect(m.audit().violations).toEqual([]);
  });

  it('validates port ids, types, SINTs, VTLs, the connection partition and doorbell flags', () => {
    const c = new Caller(smallMachine());
    const guest = c.readyPartition();
    const other = c.readyPartition();
    expect(createPort(c, guest, 0)).toBe(S.INVALID_PORT_ID);
    expect(createPort(c, guest, 0x8000_0000)).toBe(S.INVALID_PORT_ID);
    expect(createPort(c, guest, 2, { portInfoPortType: 9 })).toBe(S.INVALID_PARAMETER);
    expect(createPort(c, guest, 2, { portInfoDoorbellTargetSint: 16 })).toBe(S.INVALID_PARAMETER);
    expect(createPort(c, guest, 2, { portVtl: 1 })).toBe(S.INVALID_PARAMETER);
    expect(createPort(c, 0x4242n, 2)).toBe(S.INVALID_PARTITION_ID);
    expect(createPort(c, guest, 2)).toBe(S.SUCCESS);
    expect(connect(c, guest, 1, 3)).toBe(S.INVALID_PORT_ID);
    expect(connect(c, other, 1, 2)).toBe(S.ACCESS_DENIED);
    expect(connect(c, guest, 1, 2, { connectionInfoDoorbellFlags: 5n })).toBe(S.INVALID_PARAMETER);
    expect(connect(c, guest, 1, 2, { connectionInfoDoorbellFlags: 0x100n })).toBe(S.INVALID_PARAMETER);
    expect(connect(c, guest, 1, 2, { connectionInfoPortType: HV_PORT_TYPE.EVENT })).toBe(S.INVALID_PARAMETER);
    expect(connect(c, guest, 1, 2, { connectionInfoDoorbellFlags: 1n << 40n })).toBe(S.INVALID_PARAMETER);
  });

  it('signals a doorbell from a guest write: port id in the SINT5 ring, SINT_INTERCEPT on SINT0, no VMM exit', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const guest = c.readyPartition();
    c.createVp(guest, 0);
    c.call(MapVpStatePage, {
      partitionId: guest,
      vpIndex: 0,
      type: HV_VP_STATE_PAGE.INTERCEPT_MESSAGE,
      inputVtl: 0,
      flags: 0,
      requestedMapLocation: 0n,
    });
    createPort(c, guest, 7);
    connect(c, guest, 7, 7);
    const writes = Array.from({ length: EVENT_RING_SLOTS + 2 }, () => ({
      exit: 'MMIO' as const,
      gpa: DOORBELL_GPA,
      write: true,
      size: 4 as const,
      value: 1n,
    }));
    m.pushExits(guest, 0, writes);
    c.call(
      SetVpRegisters,
      { partitionId: guest, vpIndex: 0, inputVtl: 0 },
      {
        repCount: 2,
        list: (p, at) => {
          p.view.setUint32(at, HV_REGISTER.INTERCEPT_SUSPEND, true);
          p.view.setUint32(at + 32, HV_REGISTER.EXPLICIT_SUSPEND, true);
        },
      },
    );
    expect(m.partition(guest)!.vps[0]!.exits).toBe(0);
    const ring = new DataView(m.host.doorbellRing(0).buffer);
    expect(ring.getUint32(4, true)).toBe(7);
    expect(ring.getUint8(1)).toBe(1); // ring_full: two signals wait for room
    expect(new DataView(m.takeSint0Message(0)!.buffer).getUint32(0, true)).toBe(HVMSG.SYNIC_SINT_INTERCEPT);
    // The root drains two slots and tells the hypervisor; the waiting signals go in.
    ring.setUint32(4, 0, true);
    ring.setUint32(8, 0, true);
    ring.setUint8(1, 0);
    expect(c.fast(NotifyPortRingEmpty, { sintIndex: 5 }).status).toBe(S.SUCCESS);
    expect(m.host.synic.ringBacklog(0)).toBe(0);
    expect(ring.getUint32(4, true)).toBe(7);
    expect(c.fast(NotifyPortRingEmpty, { sintIndex: 16 }).status).toBe(S.INVALID_PARAMETER);
  });

  it('releases ports and connections a partition still holds when it is finalized', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const guest = c.readyPartition();
    createPort(c, guest, 1);
    connect(c, guest, 1, 1);
    const held = m.partition(guest)!.pool.usedPages;
    expect(c.fast(FinalizePartition, { partitionId: guest }).status).toBe(S.SUCCESS);
    expect(m.partition(guest)!.connections).toEqual([]);
    expect(m.partition(guest)!.pool.usedPages).toBe(0);
    expect(held).toBeGreaterThan(0);
    expect(m.partitions()[0]!.ports[0]!.connections).toEqual([]);
    expect(m.audit().violations).toEqual([]);
  });
});
