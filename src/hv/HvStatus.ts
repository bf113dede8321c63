import { type ErrnoName, Errno } from './Errno.js';
import { STATUS_NO_HYPERCALL_PAGE } from './StatusWord.js';

/**
 * HV_STATUS result codes with the kernel's errno mapping (hv_result_to_errno in
 * drivers/hv/hv_common.c, inventory §b.2). The kernel searches its table linearly and the first match
 * wins, so the unreachable duplicate rows it carries (INVALID_LP_INDEX and INVALID_REGISTER_VALUE
 * listed again with -EIO) change nothing and are not repeated here.
 */
export const HvStatusTable = [
  { name: 'SUCCESS', code: 0x00, errno: undefined },
  { name: 'INVALID_HYPERCALL_CODE', code: 0x02, errno: 'EINVAL' },
  { name: 'INVALID_HYPERCALL_INPUT', code: 0x03, errno: 'EINVAL' },
  { name: 'INVALID_ALIGNMENT', code: 0x04, errno: 'EIO' },
  { name: 'INVALID_PARAMETER', code: 0x05, errno: 'EINVAL' },
  { name: 'ACCESS_DENIED', code: 0x06, errno: 'EIO' },
  { name: 'INVALID_PARTITION_STATE', code: 0x07, errno: 'EIO' },
  { name: 'OPERATION_DENIED', code: 0x08, errno: 'EIO' },
  { name: 'UNKNOWN_PROPERTY', code: 0x09, errno: 'EIO' },
  { name: 'PROPERTY_VALUE_OUT_OF_RANGE', code: 0x0a, errno: 'EIO' },
  { name: 'INSUFFICIENT_MEMORY', code: 0x0b, errno: 'ENOMEM' },
  { name: 'INVALID_PARTITION_ID', code: 0x0d, errno: 'EINVAL' },
  { name: 'INVALID_VP_INDEX', code: 0x0e, errno: 'EINVAL' },
  { name: 'NOT_FOUND', code: 0x10, errno: 'EIO' },
  { name: 'INVALID_PORT_ID', code: 0x11, errno: 'EINVAL' },
  { name: 'INVALID_CONNECTION_ID', code: 0x12, errno: 'EINVAL' },
  { name: 'INSUFFICIENT_BUFFERS', code: 0x13, errno: 'EIO' },
  { name: 'NOT_ACKNOWLEDGED', code: 0x14, errno: 'EIO' },
  { name: 'INVALID_VP_STATE', code: 0x15, errno: 'EIO' },
  { name: 'NO_RESOURCES', code: 0x1d, errno: 'EIO' },
  { name: 'PROCESSOR_FEATURE_NOT_SUPPORTED', code: 0x20, errno: 'EIO' },
  { name: 'INVALID_LP_INDEX', code: 0x41, errno: 'EINVAL' },
  { name: 'INVALID_REGISTER_VALUE', code: 0x50, errno: 'EINVAL' },
  { name: 'OPERATION_FAILED', code: 0x71, errno: 'EIO' },
  { name: 'TIME_OUT', code: 0x78, errno: 'EIO' },
  { name: 'CALL_PENDING', code: 0x79, errno: 'EIO' },
  { name: 'VTL_ALREADY_ENABLED', code: 0x86, errno: 'EIO' },
] as const satisfies readonly { name: string; code: number; errno: ErrnoName | undefined }[];

export type HvStatusName = (typeof HvStatusTable)[number]['name'];

/**
 * Codes seen only in 2026 patches (inventory §b.2, merge status uncertain). The hypervisor model may
 * return them; hv_result_to_errno has no row for them, so they map to -EIO like any unknown code.
 */
export const HvStatusPatchOnly = { INSUFFICIENT_CONTIGUOUS_MEMORY: 0x75 } as const;

/** Result code by name, e.g. `HvStatus.INSUFFICIENT_MEMORY === 0x0b`. */
export const HvStatus = Object.fromEntries(HvStatusTable.map((s) => [s.name, s.code])) as {
  readonly [K in HvStatusName]: Extract<(typeof HvStatusTable)[number], { name: K }>['code'];
};

const nameByCode = new Map<number, string>([
  ...HvStatusTable.map((s) => [s.code, s.name] as const),
  ...Object.entries(HvStatusPatchOnly).map(([n, c]) => [c, n] as const),
]);

/**
 * The HV_STATUS name (without prefix) for a raw result, or `UNKNOWN_0x....` keeping the raw value.
 *
 * @example
 * hvStatusName(0x0b); // 'INSUFFICIENT_MEMORY'; hvStatusName(0x1234) is 'UNKNOWN_0x1234'
 */
export function hvStatusName(result: number): string {
  return nameByCode.get(result) ?? `UNKNOWN_0x${result.toString(16).padStart(4, '0')}`;
}

/**
 * Look a status up by name without the HV_STATUS_ prefix (the scenario `faults[].status` form).
 *
 * @example
 * hvStatusByName('INSUFFICIENT_MEMORY'); // 0x0b
 */
export function hvStatusByName(name: string): number | undefined {
  for (const [code, n] of nameByCode) if (n === name) return code;
  return undefined;
}

/**
 * hv_result_to_errno: the negative errno the kernel returns for a status word. First match wins,
 * unknown codes give -EIO, the all-ones word (no hypercall page) gives -EOPNOTSUPP, SUCCESS gives 0.
 *
 * @example
 * hvResultToErrno(0x0bn); // -12 (-ENOMEM)
 */
export function hvResultToErrno(statusWord: bigint): number {
  if (statusWord === STATUS_NO_HYPERCALL_PAGE) return -Errno.EOPNOTSUPP;
  const result = Number(statusWord & 0xffffn);
  for (const row of HvStatusTable) {
    if (row.code === result) return row.errno === undefined ? 0 : -Errno[row.errno];
  }
  return -Errno.EIO;
}
