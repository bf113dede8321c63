import { _IOW, MSHV_IOCTL } from './ioctl.js';
import type { IocMacro } from './ioctl.js';

/** An ioctl of another driver that uses the same type byte as mshv. */
export interface ForeignIoctl {
  readonly name: string;
  readonly owner: string;
  readonly header: string;
  readonly macro: IocMacro;
  readonly type: number;
  readonly nr: number;
  readonly arg: { readonly name: string; readonly size: number };
  readonly request: number;
}

const DPI = { owner: 'Marvell CN10K DPI', header: 'uapi/misc/mrvl_cn10k_dpi.h' } as const;

/**
 * Known non-mshv users of type 0xB8 (inventory §a.3, seed review point 12): the Marvell CN10K DPI
 * driver's two ioctls. Their request numbers differ from every mshv number; only type and nr overlap.
 */
export const FOREIGN_IOCTLS: readonly ForeignIoctl[] = [
  {
    name: 'DPI_MPS_MRRS_CFG',
    ...DPI,
    macro: '_IOW',
    type: MSHV_IOCTL,
    nr: 1,
    arg: { name: 'struct dpi_mps_mrrs_cfg', size: 8 },
    request: _IOW(MSHV_IOCTL, 1, 8),
  },
  {
    name: 'DPI_ENGINE_CFG',
    ...DPI,
    macro: '_IOW',
    type: MSHV_IOCTL,
    nr: 2,
    arg: { name: 'struct dpi_engine_cfg', size: 24 },
    request: _IOW(MSHV_IOCTL, 2, 24),
  },
];

/**
 * The foreign 0xB8 ioctl with this request number, if any.
 *
 * @example
 * lookupForeignIoctl(0x4018b802)?.name; // 'DPI_ENGINE_CFG'
 */
export function lookupForeignIoctl(request: number): ForeignIoctl | undefined {
  return FOREIGN_IOCTLS.find((f) => f.request === request);
}
