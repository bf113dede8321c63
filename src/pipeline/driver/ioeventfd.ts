import { HV_DOORBELL_FLAG } from '../../hv/flags/HvPortType.js';
import { MSHV_IOEVENTFD_BIT, MSHV_IOEVENTFD_FLAGS_MASK } from '../../hv/uapi/flags.js';
import type { UserIoeventfd } from '../../ports/DevicePort.js';
import type { DriverEnv } from './DriverEnv.js';
import { eventfdCtx } from './eventfdCtx.js';
import { type IoctlResult, fail, ok } from './IoctlResult.js';
import type { KernelIoeventfd, KernelPartition } from './KernelPartition.js';
import { portIdsOf } from './portIdAllocator.js';
import { registerDoorbell } from './registerDoorbell.js';
import { releaseDoorbell } from './teardown.js';

export const IOEVENTFD = 'MSHV_IOEVENTFD';

const U64_MAX = 0xffff_ffff_ffff_ffffn;

/** `len` → HV_DOORBELL_FLAG trigger size: only natural widths are accepted. */
const TRIGGER_SIZE = new Map<number, number>([
  [0, HV_DOORBELL_FLAG.TRIGGER_SIZE_ANY],
  [1, HV_DOORBELL_FLAG.TRIGGER_SIZE_BYTE],
  [2, HV_DOORBELL_FLAG.TRIGGER_SIZE_WORD],
  [4, HV_DOORBELL_FLAG.TRIGGER_SIZE_DWORD],
  [8, HV_DOORBELL_FLAG.TRIGGER_SIZE_QWORD],
]);

const bit = (b: number): number => 1 << b;

/**
 * MSHV_IOEVENTFD (inventory §c.11, §d): unknown flags or rsvd ≠ 0 → EINVAL; PIO → EOPNOTSUPP; then
 * deassign (exact match on eventfd, addr, len, wildcard and, unless wildcard, datamatch, else ENOENT;
 * DISCONNECT_PORT, DELETE_PORT, free the id) or assign (len ∈ {0,1,2,4,8}, no wrap of addr + len, fd
 * an eventfd, no collision, then a doorbell port). Nothing is recorded unless the doorbell exists.
 * The fd lookup (both paths) is `eventfdCtx`: EBADF when `fd` is not among `openFds`, EINVAL when
 * it is open but not an eventfd.
 *
 * @example
 * ioeventfd(env, pt, { fd: 4, addr: 0xfe00_0000n, len: 4, datamatch: 0n, flags: 0 }, eventfds);
 */
export function ioeventfd(
  env: DriverEnv,
  pt: KernelPartition,
  arg: UserIoeventfd,
  eventfds: ReadonlySet<number>,
  openFds: ReadonlySet<number> = eventfds,
): IoctlResult<void> {
  const op = IOEVENTFD;
  if ((arg.flags & ~MSHV_IOEVENTFD_FLAGS_MASK) !== 0) {
    return fail(op, 'EINVAL', `flags 0x${arg.flags.toString(16)}: unknown bits (mask 0x7)`);
  }
  if ((arg.rsvd ?? 0) !== 0) return fail(op, 'EINVAL', 'rsvd is not zero');
  if ((arg.flags & bit(MSHV_IOEVENTFD_BIT.PIO)) !== 0)
    return fail(op, 'EOPNOTSUPP', 'PIO ioeventfds are not implemented');
  const wildcard = (arg.flags & bit(MSHV_IOEVENTFD_BIT.DATAMATCH)) === 0;
  if ((arg.flags & bit(MSHV_IOEVENTFD_BIT.DEASSIGN)) !== 0)
    return deassign(env, pt, arg, wildcard, eventfds, openFds);

  const size = TRIGGER_SIZE.get(arg.len);
  if (size === undefined) return fail(op, 'EINVAL', `len ${arg.len} is not 0, 1, 2, 4 or 8`);
  if (arg.addr < 0n || arg.addr > U64_MAX || arg.addr + BigInt(arg.len) > U64_MAX)
    return fail(op, 'EINVAL', `addr 0x${arg.addr.toString(16)} + len ${arg.len} wraps the u64 range`);
  const badFd = eventfdCtx(op, 'fd', arg.fd, eventfds, openFds);
  if (badFd !== null) return badFd;
  // A wildcard keeps datamatch 0 (kzalloc) and triggers on any value.
  const datamatch = wildcard ? 0n : arg.datamatch;
  const clash = pt.ioeventfds.find(
    (p) => p.addr === arg.addr && p.len === arg.len && (p.wildcard || wildcard || p.datamatch === datamatch),
  );
  if (clash !== undefined) {
    return fail(
      op,
      'EEXIST',
      `addr 0x${arg.addr.toString(16)} len ${arg.len} collides with the ioeventfd on port ${clash.portId}`,
    );
  }
  const flags = size | (wildcard ? HV_DOORBELL_FLAG.TRIGGER_ANY_VALUE : 0);
  const port = registerDoorbell(env, pt, { gpa: arg.addr, triggerValue: datamatch, flags: flags >>> 0 }, op);
  if (!port.ok) return port;
  pt.ioeventfds.push({
    eventfd: arg.fd,
    addr: arg.addr,
    len: arg.len,
    datamatch,
    wildcard,
    portId: port.value,
  });
  return ok(undefined);
}

function deassign(
  env: DriverEnv,
  pt: KernelPartition,
  arg: UserIoeventfd,
  wildcard: boolean,
  eventfds: ReadonlySet<number>,
  openFds: ReadonlySet<number>,
): IoctlResult<void> {
  const op = IOEVENTFD;
  const badFd = eventfdCtx(op, 'fd', arg.fd, eventfds, openFds);
  if (badFd !== null) return badFd;
  const match = (p: KernelIoeventfd): boolean =>
    p.eventfd === arg.fd &&
    p.addr === arg.addr &&
    p.len === arg.len &&
    p.wildcard === wildcard &&
    (p.wildcard || p.datamatch === arg.datamatch);
  const at = pt.ioeventfds.findIndex(match);
  if (at === -1) {
    return fail(
      op,
      'ENOENT',
      `no ioeventfd matches fd ${arg.fd}, addr 0x${arg.addr.toString(16)}, len ${arg.len}` +
        (wildcard ? ', wildcard' : `, datamatch 0x${arg.datamatch.toString(16)}`),
    );
  }
  const [io] = pt.ioeventfds.splice(at, 1);
  if (io === undefined) throw new Error('ioeventfd list changed under deassign');
  releaseDoorbell(env, pt, io, op);
  portIdsOf(env).free(io.portId);
  return ok(undefined);
}
