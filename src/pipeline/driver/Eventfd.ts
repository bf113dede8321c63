import { type IoctlResult, fail, ok } from './IoctlResult.js';

/** ULLONG_MAX: the counter's ceiling; a write of exactly this value is refused. */
export const EVENTFD_COUNT_MAX = 0xffff_ffff_ffff_ffffn;

/** The op names eventfd syscalls carry in errors. */
export const EVENTFD_READ = 'read(eventfd)';
export const EVENTFD_WRITE = 'write(eventfd)';

/**
 * An eventfd(2) as the model keeps it: the 64-bit counter of an eventfd created with EFD_NONBLOCK
 * (and without EFD_SEMAPHORE), which is how VMMs create the fds they hand to MSHV_IRQFD and
 * MSHV_IOEVENTFD. `count` is the whole state; snapshots store it as is.
 *
 * @example
 * const e = new Eventfd();
 * e.write(2n); e.signal();
 * e.read(); // { ok: true, value: 3n }
 * e.read(); // EAGAIN
 */
export class Eventfd {
  constructor(public count = 0n) {}

  /**
   * read(2): the count, which becomes 0; EAGAIN when it is 0 (a blocking read would sleep).
   */
  read(): IoctlResult<bigint> {
    if (this.count === 0n) return fail(EVENTFD_READ, 'EAGAIN', 'the eventfd count is 0');
    const value = this.count;
    this.count = 0n;
    return ok(value);
  }

  /**
   * write(2) of the u64 `n`: n = ULLONG_MAX → EINVAL; a sum past ULLONG_MAX − 1 → EAGAIN (a blocking
   * write would sleep until a read makes room). Adding 0 succeeds and, like any successful write,
   * wakes the eventfd's waiters (the caller runs them).
   */
  write(n: bigint): IoctlResult<void> {
    if (n < 0n || n > EVENTFD_COUNT_MAX) return fail(EVENTFD_WRITE, 'EINVAL', `value ${n} does not fit u64`);
    if (n === EVENTFD_COUNT_MAX) return fail(EVENTFD_WRITE, 'EINVAL', 'value 0xffffffffffffffff is reserved');
    if (n > EVENTFD_COUNT_MAX - 1n - this.count)
      return fail(EVENTFD_WRITE, 'EAGAIN', `count ${this.count} + ${n} would pass 0xfffffffffffffffe`);
    this.count += n;
    return ok(undefined);
  }

  /** eventfd_signal (kernel side: the doorbell callback, the resampler): count + 1, saturating. */
  signal(): void {
    if (this.count < EVENTFD_COUNT_MAX) this.count += 1n;
  }
}
