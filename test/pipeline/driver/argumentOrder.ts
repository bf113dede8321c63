import type { IoctlResult } from '../../../src/pipeline/driver/IoctlResult.js';
import type { DevicePort, Fd } from '../../../src/ports/DevicePort.js';

/**
 * The order in which ioctl(2) refuses a call (fs/ioctl.c, then mshv's handler): fdget first (a
 * number that is not open: EBADF), then the file's ioctl handler (a file of another kind, an
 * eventfd or an mshv fd whose handler does not take the request: ENOTTY), and only inside mshv's
 * handler copy_from_user of the struct (a NULL or unreadable argument pointer: EFAULT). A
 * JavaScript caller that passes no struct is the NULL pointer (DECISIONS, native adapter item 6).
 */

/** Which mshv handler takes an ioctl: the partition fd's, the VP fd's, or both (MSHV_ROOT_HVCALL). */
export type Handler = 'partition' | 'vp' | 'mshv';

/** The kinds of fd a call can be made on; `closed` was a VP fd, `neverOpen` never was open. */
export type FdKind = 'partition' | 'vp' | 'eventfd' | 'closed' | 'neverOpen';

export const FD_KINDS: readonly FdKind[] = ['closed', 'neverOpen', 'partition', 'vp', 'eventfd'];

/** One fd of every kind on `dev`: an initialized partition, a VP, an eventfd, a VP fd closed again. */
export function fdsOfEveryKind(dev: DevicePort): Readonly<Record<FdKind, Fd>> {
  const must = <T>(r: IoctlResult<T>): T => {
    if (!r.ok) throw new Error(`${r.error.op}: ${r.error.errnoName} ${r.error.message}`);
    return r.value;
  };
  const partition = must(dev.createPartition({ ptFlags: 3n, ptIsolation: 0n }));
  must(dev.initializePartition(partition));
  const vp = must(dev.createVp(partition, 0));
  const closed = must(dev.createVp(partition, 1));
  must(dev.close(closed));
  const eventfd = dev.createEventfd();
  return { partition, vp, eventfd, closed, neverOpen: 999 };
}

/** What the kernel answers an ioctl of `handler` with a NULL argument pointer on an fd of `kind`. */
export function expectedErrno(handler: Handler, kind: FdKind): 'EBADF' | 'ENOTTY' | 'EFAULT' {
  if (kind === 'closed' || kind === 'neverOpen') return 'EBADF';
  if (kind === 'eventfd') return 'ENOTTY';
  return handler === 'mshv' || handler === kind ? 'EFAULT' : 'ENOTTY';
}

/** A DevicePort method called as a JavaScript caller may call it, with arguments of any type. */
function call(dev: DevicePort, name: keyof DevicePort, ...args: unknown[]): IoctlResult<unknown> {
  const f = (dev as unknown as Record<string, (...a: unknown[]) => IoctlResult<unknown>>)[name];
  if (f === undefined) throw new Error(`no method ${name}`);
  return f.apply(dev, args);
}

/** An ioctl made with its struct missing (nothing, null, a non-object, a table entry or buffer missing). */
export interface MissingStructCase {
  readonly what: string;
  readonly handler: Handler;
  /** What the EFAULT names: the struct, or the table or buffer that is not there. */
  readonly names: string;
  readonly run: (dev: DevicePort, fd: Fd) => IoctlResult<unknown>;
}

/** Every DevicePort ioctl on a partition or VP fd that takes a struct, with it missing. */
export const MISSING_STRUCT_CASES: readonly MissingStructCase[] = [
  {
    what: 'setGuestMemory(fd, null)',
    handler: 'partition',
    names: 'mshv_user_mem_region: no struct',
    run: (d, fd) => call(d, 'setGuestMemory', fd, null),
  },
  {
    what: 'getVpState(fd)',
    handler: 'vp',
    names: 'mshv_get_set_vp_state: no struct',
    run: (d, fd) => call(d, 'getVpState', fd),
  },
  {
    what: 'setVpState(fd, 7)',
    handler: 'vp',
    names: 'mshv_get_set_vp_state: no struct',
    run: (d, fd) => call(d, 'setVpState', fd, 7),
  },
  {
    what: 'irqfd(fd)',
    handler: 'partition',
    names: 'mshv_user_irqfd: no struct',
    run: (d, fd) => call(d, 'irqfd', fd),
  },
  {
    what: 'ioeventfd(fd, null)',
    handler: 'partition',
    names: 'mshv_user_ioeventfd: no struct',
    run: (d, fd) => call(d, 'ioeventfd', fd, null),
  },
  {
    what: 'setMsiRouting(fd, undefined)',
    handler: 'partition',
    names: 'mshv_user_irq_table: no table',
    run: (d, fd) => call(d, 'setMsiRouting', fd, undefined),
  },
  {
    what: 'setMsiRouting(fd, [null])',
    handler: 'partition',
    names: 'mshv_user_irq_table.entries[0]: no struct',
    run: (d, fd) => call(d, 'setMsiRouting', fd, [null]),
  },
  {
    what: 'getGpapAccessBitmap(fd)',
    handler: 'partition',
    names: 'mshv_gpap_access_bitmap: no struct',
    run: (d, fd) => call(d, 'getGpapAccessBitmap', fd),
  },
  {
    what: 'rootHvcall(fd)',
    handler: 'mshv',
    names: 'mshv_root_hvcall: no struct',
    run: (d, fd) => call(d, 'rootHvcall', fd),
  },
  {
    what: 'rootHvcall(fd, no input)',
    handler: 'mshv',
    names: 'mshv_root_hvcall.input: no buffer',
    run: (d, fd) => call(d, 'rootHvcall', fd, { code: 0x4e, reps: 0, outSz: 0 }),
  },
];

/** Every case on every kind of fd: `what on kind → errno`, the answer or the errno's name. */
export function missingStructAnswers(dev: DevicePort, fds: Readonly<Record<FdKind, Fd>>): string[] {
  const out: string[] = [];
  for (const c of MISSING_STRUCT_CASES)
    for (const kind of FD_KINDS) {
      const r = c.run(dev, fds[kind]);
      out.push(`${c.what} on ${kind} → ${r.ok ? 'ok' : r.error.errnoName}`);
    }
  return out;
}

/** What `missingStructAnswers` must give: the kernel's order. */
export function expectedMissingStructAnswers(): string[] {
  return MISSING_STRUCT_CASES.flatMap((c) =>
    FD_KINDS.map((kind) => `${c.what} on ${kind} → ${expectedErrno(c.handler, kind)}`),
  );
}
