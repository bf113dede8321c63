/**
 * The worker behind a VpThread: one thread that makes MSHV_RUN_VP, which blocks it until the VP
 * exits or a kick (a signal) interrupts the sleep with EINTR. It unblocks the kick signal, posts its
 * pthread id, then answers each `{ fd }` message with the ioctl's result: `{ ok: true, bytes }` (the
 * 256-byte message the kernel copied out) or `{ ok: false, errno }`. The system calls are libc's,
 * or those of the module `workerData.syscalls` names (its `syscalls()` export), which a test gives a
 * stand-in for the kernel's blocking ioctl.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MSHV_REQUEST } from '../../src/hv/uapi/MshvIoctl.js';
import { MshvRunVp } from '../../src/hv/uapi/structs/MshvRunVp.js';
import { kickableThread } from './kickSignal.js';
import { libcSyscalls } from './libcSyscalls.js';
import type { Syscalls } from './Syscalls.js';

/** What the worker needs of the system calls. */
type RunSyscalls = Pick<Syscalls, 'ioctl' | 'alloc'>;

const port = parentPort;
if (port === null) throw new Error('vpThreadWorker runs as a worker thread');
const { syscalls: moduleUrl } = workerData as { readonly syscalls?: string };
const sys: RunSyscalls =
  moduleUrl === undefined
    ? libcSyscalls()
    : ((await import(moduleUrl)) as { syscalls(): RunSyscalls }).syscalls();
const buf = sys.alloc(MshvRunVp.size, 8);
port.postMessage({ thread: kickableThread() });
port.on('message', (m: { readonly fd: number }) => {
  buf.bytes.fill(0);
  const r = sys.ioctl(m.fd, MSHV_REQUEST.MSHV_RUN_VP, buf);
  port.postMessage(
    r.ok ? { ok: true, bytes: buf.bytes.slice(0, MshvRunVp.size) } : { ok: false, errno: r.errno },
  );
});
