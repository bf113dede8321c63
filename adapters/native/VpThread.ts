import { Worker } from 'node:worker_threads';
import type { Fd } from '../../src/ports/DevicePort.js';
import { type IoctlResult, fail, ok } from '../../src/pipeline/driver/IoctlResult.js';
import { installKickHandler, sendKick } from './kickSignal.js';
import type { NativeDevice } from './NativeDevice.js';
import { failedIoctl } from './sysError.js';
import { workerScript } from '../../src/workerScript.js';

const OP = 'MSHV_RUN_VP';
/** How often `close` re-sends the kick while a run is still in flight (a kick can be lost: rule 4). */
const CLOSE_KICK_EVERY_MS = 5;

export interface VpThreadOptions {
  /**
   * A module whose `syscalls()` gives the thread its ioctl and memory instead of libc's: a stand-in
   * for the kernel where no /dev/mshv exists (tests). Default: libc.
   */
  readonly syscalls?: URL;
}

type WorkerAnswer =
  { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly errno: number };

/**
 * A VP's own thread on the native adapter. MSHV_RUN_VP blocks the thread that makes it until the VP
 * exits (inventory §c.6), so a VMM runs each VP on a thread of its own and stops it with a signal:
 * a run sleeping in the kernel then returns EINTR (§c.6 step 3; §d: "RUN_VP: signal without
 * in-flight message → -EINTR"). `run()` makes the ioctl on a worker thread and resolves with what
 * `NativeDevice.runVp` answers; `kick()` sends that thread the kick signal (`kickSignal.ts`: a
 * handler that does nothing, without SA_RESTART). /dev/mshv has no sticky cancel (lifecycle rule 4):
 * a kick that arrives before the thread is inside the ioctl, or between two runs, does nothing, so
 * whoever stops a VP sends kicks until its run returns, as `close` does. The VP's other ioctls
 * (GET/SET_VP_STATE) stay on the device, on the calling thread: the kernel serializes them with the
 * run on the VP's mutex (inventory, Locks: "VP ioctls take vp_mutex"), so one made while a run is
 * in flight blocks that thread until the run returns; stop the run first (`running` says whether
 * one is in flight).
 *
 * @example
 * const t = await VpThread.start(dev, vpFd);
 * if (!t.ok) throw new Error(t.error.message);
 * const exit = t.value.run(); // the VP runs on its own thread
 * t.value.kick(); // again until `exit` resolves: EINTR, or the exit that came first
 * await t.value.close();
 */
export class VpThread {
  readonly #worker: Worker;
  readonly #thread: bigint;
  #pending: ((r: IoctlResult<Uint8Array>) => void) | null = null;
  #closed = false;

  private constructor(
    readonly device: NativeDevice,
    readonly vpFd: Fd,
    worker: Worker,
    thread: bigint,
  ) {
    this.#worker = worker;
    this.#thread = thread;
    worker.on('message', (m: WorkerAnswer) => {
      const settle = this.#pending;
      this.#pending = null;
      worker.unref();
      settle?.(m.ok ? ok(m.bytes) : failedIoctl(OP, vpFd, m));
    });
    // A thread that dies (its script threw) fails the run in flight and takes no more.
    const died = (why: string): void => {
      this.#closed = true;
      const settle = this.#pending;
      this.#pending = null;
      settle?.(fail(OP, 'EIO', `fd ${vpFd}: the VP thread ended: ${why}`));
    };
    worker.on('error', (e: Error) => {
      died(e.message);
    });
    worker.on('exit', (code) => {
      died(`exit code ${code}`);
    });
    worker.unref();
  }

  /**
   * A thread for VP fd `vpFd` of `device`. An fd the device does not hold is EBADF and no thread is
   * started (a number it did not hand out may be another file's: DECISIONS, native adapter 7).
   */
  static async start(
    device: NativeDevice,
    vpFd: Fd,
    options: VpThreadOptions = {},
  ): Promise<IoctlResult<VpThread>> {
    if (!device.holds(vpFd))
      return fail(OP, 'EBADF', `fd ${String(vpFd)} is not a VP fd this device has open: no thread started`);
    installKickHandler();
    const worker = new Worker(
      workerScript(
        import.meta.url,
        './vpThreadWorker.js',
        '../../dist/adapters/native/vpThreadWorker.js',
        'VP threads',
      ),
      {
        workerData: options.syscalls === undefined ? {} : { syscalls: options.syscalls.href },
      },
    );
    // The thread's id once it is ready, or why it ended before (its script threw: no koffi, say).
    const thread = await new Promise<bigint | string>((resolve) => {
      worker.once('message', (m: { readonly thread: bigint }) => {
        resolve(m.thread);
      });
      worker.once('error', (e: Error) => {
        resolve(e.message);
      });
      worker.once('exit', (code) => {
        resolve(`exit code ${code}`);
      });
    });
    if (typeof thread === 'string') {
      await worker.terminate();
      return fail(OP, 'EIO', `fd ${vpFd}: the VP thread did not start: ${thread}`);
    }
    return ok(new VpThread(device, vpFd, worker, thread));
  }

  /** A run is in flight on the thread. */
  get running(): boolean {
    return this.#pending !== null;
  }

  /**
   * MSHV_RUN_VP on the thread: the 256-byte message of the exit, or the ioctl's errno (EINTR when a
   * kick interrupted it). One run at a time: a second one while the first is in flight is EBUSY (the
   * kernel would make it wait on the VP's mutex). After `close`, or once the device no longer holds
   * the fd, EBADF with no system call.
   */
  run(): Promise<IoctlResult<Uint8Array>> {
    if (this.#closed || !this.device.holds(this.vpFd))
      return Promise.resolve(
        fail(OP, 'EBADF', `fd ${this.vpFd}: the thread is closed or the device no longer holds the fd`),
      );
    if (this.#pending !== null)
      return Promise.resolve(fail(OP, 'EBUSY', `fd ${this.vpFd}: a run is already in flight on this thread`));
    return new Promise((resolve) => {
      this.#pending = resolve;
      this.#worker.ref();
      this.#worker.postMessage({ fd: this.vpFd });
    });
  }

  /**
   * Send the thread the kick signal: true when sent. A run sleeping in the kernel returns EINTR; at
   * any other moment the signal does nothing (no sticky cancel).
   */
  kick(): boolean {
    return !this.#closed && sendKick(this.#thread) === 0;
  }

  /** Kick until a run in flight returns, then end the thread. */
  async close(): Promise<void> {
    if (this.#closed) return;
    while (this.#pending !== null) {
      sendKick(this.#thread);
      await new Promise((resolve) => setTimeout(resolve, CLOSE_KICK_EVERY_MS));
    }
    this.#closed = true;
    await this.#worker.terminate();
  }
}
