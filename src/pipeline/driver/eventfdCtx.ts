import { type IoctlResult, fail } from './IoctlResult.js';

/**
 * eventfd_ctx_fdget as MSHV_IRQFD and MSHV_IOEVENTFD meet it (inventory §c.11): null when `fd` is an
 * eventfd of the process, else the errno the kernel returns: EBADF for an fd that is not open
 * (fdget), EINVAL for an open file that is not an eventfd (eventfd_ctx_fileget: f_op is not
 * eventfd_fops), such as a partition or VP fd. `field` names the struct field the fd came from.
 *
 * @example
 * eventfdCtx('MSHV_IRQFD', 'fd', 3, new Set([4]), new Set([3, 4]))?.error.errnoName; // 'EINVAL'
 */
export function eventfdCtx(
  op: string,
  field: string,
  fd: number,
  eventfds: ReadonlySet<number>,
  openFds: ReadonlySet<number>,
): IoctlResult<never> | null {
  if (eventfds.has(fd)) return null;
  if (openFds.has(fd)) return fail(op, 'EINVAL', `${field} ${fd} is open but is not an eventfd`);
  return fail(op, 'EBADF', `${field} ${fd} is not an open fd`);
}
