import { MSHV_IRQFD_BIT, MSHV_IRQFD_FLAGS_MASK } from '../../hv/uapi/flags.js';
import type { UserIrqfd } from '../../ports/DevicePort.js';
import type { DriverEnv } from './DriverEnv.js';
import { eventfdCtx } from './eventfdCtx.js';
import { type IoctlResult, fail, ok } from './IoctlResult.js';
import type { KernelPartition } from './KernelPartition.js';
import { routedIrq } from './routedIrq.js';
import { signalIrqfd } from './signalIrqfd.js';

export const IRQFD = 'MSHV_IRQFD';

const DEASSIGN = 1 << MSHV_IRQFD_BIT.DEASSIGN;
const RESAMPLE = 1 << MSHV_IRQFD_BIT.RESAMPLE;

/**
 * MSHV_IRQFD (inventory §c.11, §d). Unknown flags → EINVAL. DEASSIGN drops every irqfd bound to
 * (fd, gsi) and succeeds even when none is (a resampler goes with its last irqfd). Assign: fd (and,
 * with RESAMPLE, resamplefd) must be eventfds of the process (`eventfdCtx`: EBADF when not among
 * `openFds`, EINVAL when open but not an eventfd); RESAMPLE needs the gsi's route to be
 * level-triggered (data bit 15; EINVAL otherwise); an eventfd already bound on this partition →
 * EBUSY. Assigning issues no hypercall unless an event is already pending on the eventfd
 * (`pending`: its count is non-zero), which is injected at once (signalIrqfd) and left counted, as
 * the kernel's poll at assign time does not read it; later injections happen when the eventfd is
 * signalled (MshvDevice wakes the irqfd, which reads the count away and injects).
 *
 * Resample check: the kernel as read tests the new irqfd's cached route before filling it from the
 * table (a zeroed struct), which would refuse every RESAMPLE on x86; the model checks the route the
 * irqfd is being bound to, the rule the code states.
 *
 * @example
 * irqfd(env, pt, { fd: 4, resamplefd: 0, gsi: 5, flags: 0 }, new Set([4]));
 */
export function irqfd(
  env: DriverEnv,
  pt: KernelPartition,
  arg: UserIrqfd,
  eventfds: ReadonlySet<number>,
  pending: (eventfd: number) => boolean = () => false,
  openFds: ReadonlySet<number> = eventfds,
): IoctlResult<void> {
  const op = IRQFD;
  if ((arg.flags & ~MSHV_IRQFD_FLAGS_MASK) !== 0)
    return fail(op, 'EINVAL', `flags 0x${arg.flags.toString(16)}: unknown bits (mask 0x3)`);
  const badFd = eventfdCtx(op, 'fd', arg.fd, eventfds, openFds);
  if (badFd !== null) return badFd;
  if ((arg.flags & DEASSIGN) !== 0) {
    for (let i = pt.irqfds.length - 1; i >= 0; i--) {
      const f = pt.irqfds[i];
      if (f?.eventfd === arg.fd && f.gsi === arg.gsi) pt.irqfds.splice(i, 1);
    }
    return ok(undefined);
  }
  const resample = (arg.flags & RESAMPLE) !== 0;
  if (resample) {
    const badResamplefd = eventfdCtx(op, 'resamplefd', arg.resamplefd, eventfds, openFds);
    if (badResamplefd !== null) return badResamplefd;
    if (!routedIrq(pt, arg.gsi).irq.levelTriggered)
      return fail(op, 'EINVAL', `RESAMPLE: gsi ${arg.gsi} has no level-triggered route`);
  }
  if (pt.irqfds.some((f) => f.eventfd === arg.fd))
    return fail(op, 'EBUSY', `eventfd ${arg.fd} is already bound on this partition`);
  pt.irqfds.push({ eventfd: arg.fd, gsi: arg.gsi, resamplefd: resample ? arg.resamplefd : undefined });
  if (pending(arg.fd)) signalIrqfd(env, pt, arg.fd);
  return ok(undefined);
}
