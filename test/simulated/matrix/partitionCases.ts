/**
 * Status matrix: partition calls (inventory §c.2, §c.3, §c.9, §c.12; lifecycle rules 1–2).
 */
import { expect } from 'vitest';
import { HVMSG } from '../../../src/hv/flags/HvMessageType.js';
import { HV_COMPATIBILITY_21_H2 } from '../../../src/hv/flags/HvPartitionCreationFlag.js';
import { HV_PARTITION_PROPERTY } from '../../../src/hv/flags/HvPartitionProperty.js';
import {
  CreatePartition,
  DeletePartition,
  FinalizePartition,
  GetPartitionProperty,
  GetPartitionPropertyEx,
  GetSystemProperty,
  InitializePartition,
  SetPartitionProperty,
} from '../../../src/hv/hypercalls/index.js';
import { HV_PARTITION_ID_SELF } from '../../../src/hv/ids.js';
import type { StructLayout } from '../../../src/hv/Layout.js';
import { hvMessage } from '../../../src/pipeline/driver/hvMessage.js';
import { ALL_CREATION_FLAGS, type Answer, type Caller } from '../harness.js';
import { type CaseTable, configured, valuesFor } from './MatrixCase.js';

const TIME_FREEZE = 0x0003_0003;
const REFERENCE_TIME = 0x0003_0005;

const createValues = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  flags: ALL_CREATION_FLAGS,
  proximityDomainInfo: 0n,
  compatibilityVersion: HV_COMPATIBILITY_21_H2,
  disabledProcessorFeatures0: 0n,
  disabledProcessorFeatures1: 0n,
  disabledProcessorXsaveFeatures: 0n,
  isolationProperties: 0n,
  ...over,
});

const setProperty = (c: Caller, id: bigint, propertyCode: number, propertyValue: bigint): Answer =>
  c.call(SetPartitionProperty, { partitionId: id, propertyCode, propertyValue });

export const partitionCases: CaseTable = {
  CREATE_PARTITION: {
    SUCCESS: (c) => {
      c.deposit(HV_PARTITION_ID_SELF, 8);
      const a = c.call(CreatePartition, createValues());
      expect(c.machine.partitions().map((p) => p.id)).toContain(a.output.view.getBigUint64(0, true));
      return a;
    },
    INVALID_PARAMETER: (c) => {
      c.deposit(HV_PARTITION_ID_SELF, 8);
      return c.call(CreatePartition, createValues({ flags: ALL_CREATION_FLAGS | (1n << 63n) }));
    },
    INSUFFICIENT_MEMORY: (c) => {
      // The root pool (0–16 pages from the seed) runs dry after a few partitions without deposits.
      for (let i = 0; i < 64; i++) {
        const a = c.call(CreatePartition, createValues());
        if (a.status !== 0) return a;
      }
      throw new Error('the root pool never ran dry');
    },
  },
  INITIALIZE_PARTITION: {
    SUCCESS: (c) => {
      const id = c.createPartition();
      c.deposit(id, 256);
      return c.fast(InitializePartition, { partitionId: id });
    },
    INSUFFICIENT_MEMORY: (c) => c.fast(InitializePartition, { partitionId: c.createPartition() }),
  },
  FINALIZE_PARTITION: {
    SUCCESS: (c) => c.fast(FinalizePartition, { partitionId: c.readyPartition() }),
    ACCESS_DENIED: (c) => c.fast(FinalizePartition, { partitionId: HV_PARTITION_ID_SELF }),
  },
  DELETE_PARTITION: {
    SUCCESS: (c) => {
      const id = c.readyPartition();
      c.fast(FinalizePartition, { partitionId: id });
      return c.fast(DeletePartition, { partitionId: id });
    },
    // Initialized and not finalized yet (inventory §c.12: FINALIZE comes first).
    INVALID_PARTITION_STATE: (c) => c.fast(DeletePartition, { partitionId: c.readyPartition() }),
    ACCESS_DENIED: (c) => c.fast(DeletePartition, { partitionId: HV_PARTITION_ID_SELF }),
  },
  GET_PARTITION_PROPERTY: {
    SUCCESS: (c) => {
      const a = c.call(GetPartitionProperty, {
        partitionId: c.readyPartition(),
        propertyCode: HV_PARTITION_PROPERTY.MAX_XSAVE_DATA_SIZE,
      });
      expect(a.output.view.getBigUint64(0, true)).toBe(BigInt(c.machine.knobs.maxXsaveDataSize));
      return a;
    },
    UNKNOWN_PROPERTY: (c) =>
      c.call(GetPartitionProperty, { partitionId: c.readyPartition(), propertyCode: 0x0bad_0001 }),
  },
  GET_PARTITION_PROPERTY_EX: {
    SUCCESS: (c) => c.call(GetPartitionPropertyEx, valuesFor(GetPartitionPropertyEx, c.readyPartition())),
    UNKNOWN_PROPERTY: (c) =>
      c.call(
        GetPartitionPropertyEx,
        valuesFor(GetPartitionPropertyEx, c.readyPartition(), { propertyCode: 7 }),
      ),
    // No output page: the property bytes have nowhere to go.
    INVALID_HYPERCALL_INPUT: (c) => {
      const id = c.readyPartition();
      const input = c.input;
      input.zero();
      const layout: StructLayout = GetPartitionPropertyEx.input;
      layout.encode(valuesFor(GetPartitionPropertyEx, id), input.view);
      return answerOf(c, c.machine.hypervisor.hypercall(0x0101n, input, null));
    },
  },
  SET_PARTITION_PROPERTY: {
    SUCCESS: (c) => {
      const id = c.readyPartition();
      const a = setProperty(c, id, TIME_FREEZE, 1n);
      expect(c.machine.partition(id)?.timeFrozen).toBe(true);
      return a;
    },
    // Lifecycle rule 2: the reference time is written only while time is frozen.
    INVALID_PARTITION_STATE: (c) => setProperty(c, c.readyPartition(), REFERENCE_TIME, 1234n),
    UNKNOWN_PROPERTY: (c) => setProperty(c, c.readyPartition(), 0x0bad_0001, 0n),
    PROPERTY_VALUE_OUT_OF_RANGE: (c) => setProperty(c, c.readyPartition(), TIME_FREEZE, 2n),
    // Read-only: the hypervisor reports XSAVE sizing; the root cannot set it.
    INVALID_PARAMETER: (c) =>
      setProperty(c, c.readyPartition(), HV_PARTITION_PROPERTY.MAX_XSAVE_DATA_SIZE, 1n),
    // Asynchronous completion (inventory §c.9): CALL_PENDING now, HVMSG_ASYNC_CALL_COMPLETION on SINT0.
    CALL_PENDING: configured({ asyncPropertyRate: 1 }, (c) => {
      const id = c.readyPartition();
      const a = setProperty(c, id, TIME_FREEZE, 1n);
      const msg = c.machine.takeSint0Message(c.cpu);
      expect(msg).toBeDefined();
      const m = hvMessage(msg ?? new Uint8Array(256));
      expect(m.type).toBe(HVMSG.ASYNC_CALL_COMPLETION);
      expect(m.view.getBigUint64(16, true)).toBe(id);
      expect(m.view.getUint32(24, true)).toBe(0);
      return a;
    }),
  },
  GET_SYSTEM_PROPERTY: {
    SUCCESS: (c) => {
      const a = c.call(GetSystemProperty, { propertyId: 15, value: 0n });
      expect(a.output.view.getUint32(0, true)).toBe(3); // core-smt, smallMachine's default
      return a;
    },
    INVALID_PARAMETER: (c) => c.call(GetSystemProperty, { propertyId: 16, value: 0n }),
  },
};

function answerOf(c: Caller, word: bigint): Answer {
  const result = Number(word & 0xffffn);
  return { status: result, reps: Number((word >> 32n) & 0xfffn), word, output: c.output };
}
