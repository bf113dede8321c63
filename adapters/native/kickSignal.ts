import { createRequire } from 'node:module';

type Koffi = typeof import('koffi');
/** A pointer koffi hands back from libc (an opaque external object). */
type Pointer = object;

/**
 * glibc's struct sigaction on 64-bit Linux: handler (8), sa_mask (128), sa_flags (int, padded to 8),
 * sa_restorer (8).
 */
const SIGACTION_BYTES = 152;
const SIGSET_BYTES = 128;
/** pthread_sigmask's how. */
const SIG_UNBLOCK = 1;
/**
 * Above SIGRTMIN: glibc's threads library keeps the first real-time signals; nothing in Node or
 * libuv uses this one.
 */
const SIGRTMIN_OFFSET = 5;

interface ThreadLibc {
  readonly koffi: Koffi;
  readonly sigaction: (sig: number, act: Uint8Array, old: null) => number;
  readonly pthreadSigmask: (how: number, set: Uint8Array, old: null) => number;
  readonly pthreadSelf: () => number | bigint;
  readonly pthreadKill: (thread: bigint, sig: number) => number;
  readonly signal: number;
  /** libc's getpid: the handler (async-signal-safe, takes no argument, so the signal number is ignored). */
  readonly noOp: Pointer;
}

let libc: ThreadLibc | undefined;
let installed = false;

function threadLibc(): ThreadLibc {
  if (libc !== undefined) return libc;
  if (process.platform !== 'linux') throw new Error(`a kick needs Linux; this is ${process.platform}`);
  const koffi = createRequire(import.meta.url)('koffi') as Koffi;
  const lib = koffi.load('libc.so.6');
  const f = (decl: string): never => lib.func(decl) as never;
  const dlsym = f('void *dlsym(void *handle, const char *name)') as (h: null, name: string) => Pointer | null;
  const noOp = dlsym(null, 'getpid');
  if (noOp === null) throw new Error('dlsym(RTLD_DEFAULT, "getpid") found nothing');
  const sigrtmin = (f('int __libc_current_sigrtmin(void)') as () => number)();
  libc = {
    koffi,
    sigaction: f('int sigaction(int sig, void *act, void *old)'),
    pthreadSigmask: f('int pthread_sigmask(int how, void *set, void *old)'),
    pthreadSelf: f('uint64_t pthread_self(void)'),
    pthreadKill: f('int pthread_kill(uint64_t thread, int sig)'),
    signal: sigrtmin + SIGRTMIN_OFFSET,
    noOp,
  };
  return libc;
}

/**
 * The signal a kick sends: SIGRTMIN + 5.
 *
 * @example
 * kickSignal(); // 39 on glibc x86-64
 */
export function kickSignal(): number {
  return threadLibc().signal;
}

/**
 * Install, once per process, the kick signal's handler: one that does nothing (libc's `getpid`,
 * whose address dlsym gives: no native code is built), without SA_RESTART. A thread the signal
 * reaches inside a blocking system call then leaves it with EINTR (MSHV_RUN_VP's sleep is
 * interruptible: inventory §c.6, §d "RUN_VP: signal without in-flight message → -EINTR"); anywhere
 * else the signal does nothing.
 *
 * @example
 * installKickHandler(); // sigaction(SIGRTMIN + 5, { handler: getpid, flags: 0 })
 */
export function installKickHandler(): void {
  if (installed) return;
  const c = threadLibc();
  const act = new Uint8Array(SIGACTION_BYTES);
  new DataView(act.buffer).setBigUint64(0, c.koffi.address(c.noOp), true);
  if (c.sigaction(c.signal, act, null) !== 0)
    throw new Error(`sigaction(${c.signal}): errno ${c.koffi.errno()}`);
  installed = true;
}

/**
 * In the thread that calls it: unblock the kick signal and answer its pthread id, which `sendKick`
 * takes. A thread calls this before the blocking calls a kick must interrupt.
 *
 * @example
 * const thread = kickableThread(); // in a worker, then posted to the thread that kicks
 */
export function kickableThread(): bigint {
  const c = threadLibc();
  const set = new Uint8Array(SIGSET_BYTES);
  const bit = c.signal - 1;
  set[bit >> 3] = 1 << (bit & 7);
  if (c.pthreadSigmask(SIG_UNBLOCK, set, null) !== 0)
    throw new Error(`pthread_sigmask(SIG_UNBLOCK, ${c.signal}) failed`);
  return BigInt(c.pthreadSelf());
}

/**
 * pthread_kill(thread, kick signal): 0 when sent, else the error number (ESRCH: the thread is gone).
 * Needs `installKickHandler` first: the signal's default action ends the process.
 *
 * @example
 * sendKick(thread); // 0
 */
export function sendKick(thread: bigint): number {
  if (!installed)
    throw new Error('sendKick before installKickHandler: the default action would end the process');
  const c = threadLibc();
  return c.pthreadKill(thread, c.signal);
}
