import type { LogRecord, RecordKind } from '../../src/log/LogRecord.js';

/** One record of each kind, with realistic values. */
export const examples: Readonly<Record<RecordKind, LogRecord>> = {
  intent: { kind: 'intent', name: 'partition.mapMemory', args: { gpa: '0x100000', sizeBytes: '4294967296' } },
  transition: { kind: 'transition', machine: 'vm0/vp1', from: 'idle', event: 'RUN', to: 'running' },
  operation: {
    kind: 'operation',
    id: 4,
    name: 'MSHV_RUN_VP',
    fd: 5,
    partition: 'vm0',
    vp: 1,
    request: 0x8100b800,
    args: { msg_buf: 256 },
  },
  hypercall: {
    kind: 'hypercall',
    name: 'MAP_GPA_PAGES',
    code: 0x4b,
    control: 0x01fd_0000_0000_004bn,
    input: new Uint8Array([1, 2, 0xff]),
    status: 0x0000_01fd_0000_0000n,
    repsCompleted: 509,
    output: null,
    window: 3,
    op: 'MSHV_SET_GUEST_MEMORY',
  },
  result: {
    kind: 'result',
    id: 4,
    op: 'MSHV_CREATE_VP',
    outcome: {
      ok: false,
      errno: 22,
      errnoName: 'EINVAL',
      hvStatus: 5,
      hvStatusName: 'INVALID_PARAMETER',
      hypercall: 'CREATE_VP',
      message: 'CREATE_VP failed: HV_STATUS_INVALID_PARAMETER',
    },
  },
  snapshot: { kind: 'snapshot', state: { partitions: [{ id: 'vm0', phase: 'running' }] } },
};
