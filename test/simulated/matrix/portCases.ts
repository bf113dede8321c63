/**
 * Status matrix: synic ports and connections, interrupts, and the passthrough-only calls (inventory
 * §b.4, §c.11).
 */
import { expect } from 'vitest';
import { HV_DOORBELL_FLAG, HV_PORT_TYPE } from '../../../src/hv/flags/HvPortType.js';
import type { HypercallDef } from '../../../src/hv/Hypercall.js';
import {
  AssertVirtualInterrupt,
  ClearVirtualInterrupt,
  ConnectPort,
  CreatePort,
  DeletePort,
  DisconnectPort,
  GetVpCpuidValues,
  InstallIntercept,
  NotifyPortRingEmpty,
  PostMessageDirect,
  RegisterInterceptResult,
  ScrubPartition,
  SignalEventDirect,
  TranslateVirtualAddress,
} from '../../../src/hv/hypercalls/index.js';
import { HV_ANY_VP, HV_PARTITION_ID_SELF } from '../../../src/hv/ids.js';
import type { Answer, Caller } from '../harness.js';
import { type CaseTable, issue, readyVp } from './MatrixCase.js';

const createPort = (c: Caller, guest: bigint, portId: number, over: Record<string, unknown> = {}): Answer =>
  c.call(CreatePort, {
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

const connect = (
  c: Caller,
  guest: bigint,
  connectionId: number,
  portId: number,
  over: Record<string, unknown> = {},
): Answer =>
  c.call(ConnectPort, {
    connectionPartitionId: guest,
    connectionId,
    connectionVtl: 0,
    portPartitionId: HV_PARTITION_ID_SELF,
    portId,
    connectionInfoPortType: HV_PORT_TYPE.DOORBELL,
    connectionInfoDoorbellGpa: 0xfe00_1000n,
    connectionInfoDoorbellTriggerValue: 0n,
    connectionInfoDoorbellFlags:
      BigInt(HV_DOORBELL_FLAG.TRIGGER_SIZE_DWORD) | BigInt(HV_DOORBELL_FLAG.TRIGGER_ANY_VALUE),
    proximityDomainInfo: 0n,
    ...over,
  });

/** A guest and a doorbell port 1 the root owns for it (pool pages deposited for both sides). */
function withPort(c: Caller): bigint {
  const guest = c.readyPartition();
  c.deposit(HV_PARTITION_ID_SELF, 4);
  c.deposit(guest, 4);
  expect(createPort(c, guest, 1).status).toBe(0);
  return guest;
}

/** A guest with port 1 connected as connection 1. */
function withConnection(c: Caller): bigint {
  const guest = withPort(c);
  expect(connect(c, guest, 1, 1).status).toBe(0);
  return guest;
}

const assertIrq = (c: Caller, id: bigint, over: Record<string, unknown> = {}): Answer =>
  c.call(AssertVirtualInterrupt, {
    partitionId: id,
    control: 0n,
    destAddr: 0n,
    vector: 0x30,
    targetVtl: 0,
    ...over,
  });

/** Passthrough-only calls (no layout): the first u64 names an initialized partition, nothing else is read. */
function passthroughCases(def: HypercallDef): Record<string, (c: Caller) => Answer> {
  return { SUCCESS: (c) => issue(c, def, { partitionId: c.readyPartition() }) };
}

export const portCases: CaseTable = {
  CREATE_PORT: {
    SUCCESS: (c) => {
      const guest = c.readyPartition();
      c.deposit(HV_PARTITION_ID_SELF, 4);
      const a = createPort(c, guest, 7);
      expect(
        c.machine
          .partitions()
          .find((p) => p.isRoot)
          ?.ports.map((p) => p.id),
      ).toContain(7);
      return a;
    },
    INVALID_PORT_ID: (c) => {
      const guest = c.readyPartition();
      c.deposit(HV_PARTITION_ID_SELF, 4);
      return createPort(c, guest, 0);
    },
    INVALID_PARAMETER: (c) => {
      const guest = c.readyPartition();
      c.deposit(HV_PARTITION_ID_SELF, 4);
      return createPort(c, guest, 2, { portInfoPortType: 9 });
    },
    INSUFFICIENT_MEMORY: (c) => {
      const guest = c.readyPartition();
      c.withdrawAll(HV_PARTITION_ID_SELF);
      return createPort(c, guest, 2);
    },
  },
  CONNECT_PORT: {
    SUCCESS: (c) => connect(c, withPort(c), 1, 1),
    INVALID_PORT_ID: (c) => connect(c, withPort(c), 1, 9),
    INVALID_CONNECTION_ID: (c) => connect(c, withPort(c), 0, 1),
    // The port names another partition as its connection partition.
    ACCESS_DENIED: (c) => {
      withPort(c);
      const other = c.readyPartition();
      c.deposit(other, 4);
      return connect(c, other, 1, 1);
    },
    INVALID_PARAMETER: (c) => connect(c, withPort(c), 1, 1, { connectionInfoDoorbellFlags: 5n }),
    INSUFFICIENT_MEMORY: (c) => {
      const guest = withPort(c);
      c.withdrawAll(guest);
      return connect(c, guest, 1, 1);
    },
  },
  DISCONNECT_PORT: {
    SUCCESS: (c) =>
      c.fast(DisconnectPort, { connectionPartitionId: withConnection(c), connectionId: 1, isDoorbell: 1 }),
    INVALID_CONNECTION_ID: (c) =>
      c.fast(DisconnectPort, { connectionPartitionId: withConnection(c), connectionId: 2, isDoorbell: 1 }),
    // is_doorbell must say what the connection is.
    INVALID_PARAMETER: (c) =>
      c.fast(DisconnectPort, { connectionPartitionId: withConnection(c), connectionId: 1, isDoorbell: 0 }),
  },
  DELETE_PORT: {
    SUCCESS: (c) => {
      withPort(c);
      return c.fast(DeletePort, { portPartitionId: HV_PARTITION_ID_SELF, portId: 1 });
    },
    INVALID_PORT_ID: (c) => {
      withPort(c);
      return c.fast(DeletePort, { portPartitionId: HV_PARTITION_ID_SELF, portId: 2 });
    },
  },
  NOTIFY_PORT_RING_EMPTY: {
    SUCCESS: (c) => c.fast(NotifyPortRingEmpty, { sintIndex: 5 }),
    INVALID_PARAMETER: (c) => c.fast(NotifyPortRingEmpty, { sintIndex: 16 }),
  },
  ASSERT_VIRTUAL_INTERRUPT: {
    SUCCESS: (c) => {
      const id = readyVp(c);
      const a = assertIrq(c, id);
      expect(c.machine.partitions().find((p) => !p.isRoot)?.vps[0]?.interruptsAsserted).toBe(1);
      return a;
    },
    // A fixed interrupt below vector 16.
    INVALID_PARAMETER: (c) => assertIrq(c, readyVp(c), { vector: 3 }),
  },
  CLEAR_VIRTUAL_INTERRUPT: {
    SUCCESS: (c) => c.fast(ClearVirtualInterrupt, { partitionId: readyVp(c) }),
  },
  INSTALL_INTERCEPT: passthroughCases(InstallIntercept),
  TRANSLATE_VIRTUAL_ADDRESS: passthroughCases(TranslateVirtualAddress),
  SCRUB_PARTITION: passthroughCases(ScrubPartition),
  REGISTER_INTERCEPT_RESULT: passthroughCases(RegisterInterceptResult),
  SIGNAL_EVENT_DIRECT: passthroughCases(SignalEventDirect),
  POST_MESSAGE_DIRECT: passthroughCases(PostMessageDirect),
  GET_VP_CPUID_VALUES: passthroughCases(GetVpCpuidValues),
};
