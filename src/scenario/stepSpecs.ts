import { Errno, type ErrnoName } from '../hv/Errno.js';
import { HypercallCode, OtherHypercallCode } from '../hv/HypercallCode.js';
import { bool, bytes, hexBytes, int, list, oneOf, text, u64 } from './Codec.js';
import { guestExitCodec } from './guestExitCodec.js';
import { MIGRATE_DURING } from './MigrateDuring.js';
import { childPath } from './jsonPath.js';
import { enumBig, enumeration, flags, flagsBig } from './nameCodecs.js';
import { defaulted, objectCodec, optional, required, type SpecFor } from './objectCodec.js';
import type {
  Expect,
  HvcallTarget,
  MsiRoutingEntry,
  Step,
  StepCommon,
  StepOp,
  VpStateFields,
} from './Scenario.js';
import { ScenarioError } from './ScenarioError.js';
import {
  GpapAccessOp,
  GpapAccessType,
  IoeventfdFlagBit,
  IrqfdFlagBit,
  NUM_CPU_FEATURES_BANKS,
  PtFlagBit,
  PtIsolation,
  SetMemFlagBit,
  VpStateType,
} from './uapiNames.js';

/** The fields of a step after the common ones. */
export type OpFields<Op extends StepOp> = Omit<Extract<Step, { op: Op }>, keyof StepCommon>;

const expectNames = ['ok', ...(Object.keys(Errno) as ErrnoName[])] as const satisfies readonly Expect[];

/** The fields every step has besides `op`. */
export const commonStepSpec: SpecFor<Omit<StepCommon, 'op'>> = {
  partition: required(text(true)),
  expect: defaulted(oneOf(expectNames, 'errno'), 'ok'),
  description: optional(text()),
};

const zeros = (n: number): readonly number[] => Array.from({ length: n }, () => 0);
const u8s = (n: number) => defaulted(list(int('u8'), n), zeros(n));

const vpState: SpecFor<VpStateFields> = {
  vpIndex: required(int('u32')),
  type: required(enumeration(VpStateType, 'u8', 'VP state type')),
  rsvd: u8s(3),
  bufSize: required(int('u32')),
};

const msiEntry = objectCodec<MsiRoutingEntry>(
  {
    gsi: required(int('u32')),
    addressLo: required(int('u32')),
    addressHi: defaulted(int('u32'), 0),
    data: required(int('u32')),
  },
  'an MSI routing entry',
);

const hypercallCodes = { ...HypercallCode, ...OtherHypercallCode };

/**
 * The fields of every version-1 op, in uapi camelCase (inventory §a.4). Each table is checked by
 * the compiler against the step interface in Scenario.ts. Defaults are what a zeroed C struct holds,
 * except pt_num_cpu_fbanks (2, the value the kernel requires).
 */
export const StepSpecs: { readonly [Op in StepOp]: SpecFor<OpFields<Op>> } = {
  createPartition: {
    flags: defaulted(flagsBig(PtFlagBit, 'u64', 'partition flag'), 0n),
    isolation: defaulted(enumBig(PtIsolation, 'u64', 'isolation type'), 0n),
    numCpuFbanks: defaulted(int('u16'), NUM_CPU_FEATURES_BANKS),
    rsvd: u8s(6),
    cpuFbanks: defaulted(list(u64(), 2), [0n, 0n]),
    rsvd1: defaulted(list(u64(), 2), [0n, 0n]),
    disabledXsave: defaulted(u64(), 0n),
  },
  initializePartition: {},
  setGuestMemory: {
    guestPfn: required(u64()),
    size: required(bytes()),
    userAddr: required(u64()),
    flags: defaulted(flags(SetMemFlagBit, 'u8', 'guest memory flag'), 0),
    rsvd: u8s(7),
  },
  createVp: { vpIndex: required(int('u32')) },
  runVp: {
    vpIndex: required(int('u32')),
    guest: defaulted(list(guestExitCodec), []),
    signal: defaulted(bool, false),
  },
  getVpState: vpState,
  setVpState: { ...vpState, data: defaulted(hexBytes(0xffff_ffff, 'buf_sz (u32)'), new Uint8Array(0)) },
  irqfd: {
    fd: required(int('s32')),
    resamplefd: optional(int('s32')),
    gsi: required(int('u32')),
    flags: defaulted(flags(IrqfdFlagBit, 'u32', 'irqfd flag'), 0),
  },
  ioeventfd: {
    datamatch: defaulted(u64(), 0n),
    addr: required(u64()),
    len: required(int('u32')),
    fd: required(int('s32')),
    flags: defaulted(flags(IoeventfdFlagBit, 'u32', 'ioeventfd flag'), 0),
    rsvd: u8s(4),
  },
  setMsiRouting: {
    entries: required(list(msiEntry)),
    rsvd: defaulted(int('u32'), 0),
  },
  getGpapAccessBitmap: {
    accessType: required(enumeration(GpapAccessType, 'u8', 'access type')),
    accessOp: required(enumeration(GpapAccessOp, 'u8', 'access op')),
    rsvd: u8s(6),
    pageCount: required(u64()),
    gpapBase: required(u64()),
  },
  rootHvcall: {
    target: defaulted(
      oneOf(['partition', 'vp', 'device'] as const satisfies readonly HvcallTarget[], 'target'),
      'partition',
    ),
    vpIndex: optional(int('u32')),
    code: required(enumeration(hypercallCodes, 'u16', 'hypercall')),
    reps: defaulted(int('u16'), 0),
    input: required(hexBytes(0xffff, 'in_sz (u16)')),
    outSize: defaulted(int('u16'), 0),
    status: defaulted(int('u16'), 0),
    rsvd: u8s(6),
  },
  closePartition: {},
  readEventfd: { fd: required(int('s32')), expectCount: optional(u64()) },
  writeEventfd: { fd: required(int('s32')), value: defaulted(u64(), 1n) },
  migrateUserPages: {
    userAddr: required(u64()),
    size: required(bytes()),
    during: optional(oneOf(MIGRATE_DURING, 'migration time')),
  },
};

/** The ops of format version 1, in the contract's order, then the extensions. */
export const stepOps = Object.keys(StepSpecs) as StepOp[];

/**
 * Rules between fields of one step that the format (not the driver) imposes.
 *
 * @example
 * checkStep(rootHvcallStepWithTargetVpAndNoVpIndex, '$.steps[4]'); // throws: vpIndex is required
 */
export function checkStep(step: Step, path: string): void {
  if (step.op === 'setVpState' && step.data.length > step.bufSize) {
    throw new ScenarioError(
      childPath(path, 'data'),
      'range',
      `${step.data.length} bytes do not fit the ${step.bufSize}-byte buffer (bufSize)`,
    );
  }
  if (step.op === 'readEventfd' && step.expectCount !== undefined) {
    if (step.expect !== 'ok') {
      throw new ScenarioError(
        childPath(path, 'expectCount'),
        'conflict',
        `expectCount is for a read that succeeds (expect is '${step.expect}')`,
      );
    }
    if (step.expectCount === 0n) {
      throw new ScenarioError(
        childPath(path, 'expectCount'),
        'range',
        'a read never returns 0 (an empty eventfd answers EAGAIN: write "expect": "EAGAIN")',
      );
    }
  }
  if (step.op === 'migrateUserPages') {
    if (step.userAddr % 4096n !== 0n)
      throw new ScenarioError(childPath(path, 'userAddr'), 'range', 'must be 4 KiB aligned (a page address)');
    if (step.size === 0n || step.size % 4096n !== 0n)
      throw new ScenarioError(childPath(path, 'size'), 'range', 'must be a non-zero multiple of 4 KiB');
    if (step.userAddr + step.size > 1n << 64n)
      throw new ScenarioError(
        childPath(path, 'size'),
        'range',
        'userAddr + size is past the 64-bit address space',
      );
  }
  if (step.op !== 'rootHvcall') return;
  if (step.target === 'vp' && step.vpIndex === undefined) {
    throw new ScenarioError(
      childPath(path, 'vpIndex'),
      'required',
      "missing required field 'vpIndex' (target is vp)",
    );
  }
  if (step.target !== 'vp' && step.vpIndex !== undefined) {
    throw new ScenarioError(
      childPath(path, 'vpIndex'),
      'conflict',
      `vpIndex is only for target 'vp' (target is '${step.target}')`,
    );
  }
}
