import type { StructLayout } from '../hv/Layout.js';
import type { DevicePort, Fd } from '../ports/DevicePort.js';
import { type IoctlResult, fail, ok } from '../pipeline/driver/IoctlResult.js';

/**
 * One MSHV_ROOT_HVCALL built from a hypercall's input layout (the first u64, the partition id, is
 * left 0: the driver overwrites it with the fd's partition), issued on `fd`; the output bytes on
 * success. A rep call the driver reports successful with fewer reps completed than asked is EINTR,
 * as mshv-ioctls answers it (vmm-lifecycle-rules 5): the caller retries the call, never reads part
 * of an output as the whole.
 *
 * @example
 * passthrough(dev, ptFd, 0x44, GetPartitionPropertyInput, { propertyCode: 0x30005 }, 8);
 */
export function passthrough(
  device: DevicePort,
  fd: Fd,
  code: number,
  layout: StructLayout,
  values: Readonly<Record<string, unknown>>,
  outSz: number,
  reps = 0,
  list?: Uint8Array,
): IoctlResult<Uint8Array> {
  const input = new Uint8Array(layout.size + (list?.length ?? 0));
  layout.encode({ partitionId: 0n, ...values }, new DataView(input.buffer));
  if (list !== undefined) input.set(list, layout.size);
  const r = device.rootHvcall(fd, { code, reps, input, outSz });
  if (!r.ok) return r;
  if (r.value.reps !== reps)
    return fail(
      'MSHV_ROOT_HVCALL',
      'EINTR',
      `reps: the call completed ${String(r.value.reps)} of ${String(reps)} reps (rule 5: a partial rep call is no result)`,
    );
  return ok(r.value.output);
}
