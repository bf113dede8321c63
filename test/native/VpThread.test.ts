import { afterEach, describe, expect, it } from 'vitest';
import { kickSignal } from '../../adapters/native/kickSignal.js';
import { libcSyscalls } from '../../adapters/native/libcSyscalls.js';
import { NativeDevice } from '../../adapters/native/NativeDevice.js';
import { VpThread } from '../../adapters/native/VpThread.js';
import { MshvRunVp } from '../../src/hv/uapi/structs/MshvRunVp.js';

/**
 * VpThread on a machine without /dev/mshv: the device is a NativeDevice on /dev/null (its eventfds
 * are real), and the thread's MSHV_RUN_VP is `fixtures/pollThenRead.ts`, a real sleep in poll(2) on
 * one of those eventfds. What is tested is the thread and the kick: a real signal sent to a real
 * thread inside a real interruptible system call, as it reaches the kernel's sleep in MSHV_RUN_VP.
 */
const STAND_IN = new URL('./fixtures/pollThenRead.ts', import.meta.url);

const opened: { dev: NativeDevice; threads: VpThread[] }[] = [];

async function rig(): Promise<{ dev: NativeDevice; fd: number; thread: VpThread }> {
  const dev = NativeDevice.open(libcSyscalls(), '/dev/null');
  if (!dev.ok) throw new Error(dev.error.message);
  const fd = dev.value.createEventfd();
  const t = await VpThread.start(dev.value, fd, { syscalls: STAND_IN });
  if (!t.ok) throw new Error(t.error.message);
  opened.push({ dev: dev.value, threads: [t.value] });
  return { dev: dev.value, fd, thread: t.value };
}

afterEach(async () => {
  for (const { dev, threads } of opened.splice(0)) {
    for (const t of threads) await t.close();
    dev.dispose();
  }
});

describe.runIf(process.platform === 'linux')(
  'VpThread: MSHV_RUN_VP on a thread of its own, stopped by a kick (inventory §c.6, lifecycle rule 4)',
  () => {
    it('a run sleeping in the kernel returns EINTR when kicked; the thread then runs again', async () => {
      const { dev, fd, thread } = await rig();
      expect(kickSignal()).toBeGreaterThan(31); // a real-time signal
      const run = thread.run();
      expect(thread.running).toBe(true);
      // Kicks until the run returns: one that lands before the thread is inside the call is lost.
      for (let kicks = 0; thread.running && kicks < 1000; kicks++) {
        expect(thread.kick()).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      const r = await run;
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.errnoName).toBe('EINTR');
        expect(r.error.op).toBe('MSHV_RUN_VP');
        expect(r.error.message).toBe(`MSHV_RUN_VP on fd ${fd}: EINTR`);
      }
      expect(thread.running).toBe(false);
      // The next run completes on its own: the eventfd turns readable, the "exit" is its count.
      const next = thread.run();
      expect(dev.writeEventfd(fd, 7n)).toEqual({ ok: true, value: undefined });
      const exit = await next;
      expect(exit.ok).toBe(true);
      if (exit.ok) {
        expect(exit.value).toHaveLength(MshvRunVp.size);
        expect(new DataView(exit.value.buffer, exit.value.byteOffset, 8).getBigUint64(0, true)).toBe(7n);
      }
    });

    it('a kick while no run is in flight does nothing: the next run is not interrupted by it (no sticky cancel)', async () => {
      const { dev, fd, thread } = await rig();
      expect(thread.kick()).toBe(true);
      expect(thread.kick()).toBe(true);
      expect(dev.writeEventfd(fd, 1n).ok).toBe(true);
      const exit = await thread.run();
      expect(exit.ok).toBe(true);
    });

    it('one run at a time (EBUSY); an fd the device does not hold is EBADF, before and after the thread starts', async () => {
      const { dev, fd, thread } = await rig();
      const first = thread.run();
      const second = await thread.run();
      expect(second.ok ? null : second.error.errnoName).toBe('EBUSY');
      expect(dev.writeEventfd(fd, 1n).ok).toBe(true);
      expect((await first).ok).toBe(true);

      const none = await VpThread.start(dev, 9999, { syscalls: STAND_IN });
      expect(none.ok ? null : none.error).toMatchObject({ errnoName: 'EBADF', op: 'MSHV_RUN_VP' });
      expect(dev.close(fd).ok).toBe(true);
      const closedFd = await thread.run();
      expect(closedFd.ok ? null : closedFd.error.errnoName).toBe('EBADF');
    });

    it('close kicks a run still in flight out of the kernel, then ends the thread', async () => {
      const { thread } = await rig();
      const run = thread.run();
      await thread.close();
      const r = await run;
      expect(r.ok ? null : r.error.errnoName).toBe('EINTR');
      expect(thread.kick()).toBe(false);
      expect((await thread.run()).ok).toBe(false);
    });

    it('a thread that cannot start is EIO from start; one that dies inside a run fails that run with EIO', async () => {
      const dev = NativeDevice.open(libcSyscalls(), '/dev/null');
      if (!dev.ok) throw new Error(dev.error.message);
      opened.push({ dev: dev.value, threads: [] });
      const fd = dev.value.createEventfd();
      const missing = await VpThread.start(dev.value, fd, {
        syscalls: new URL('./fixtures/noSuchModule.ts', import.meta.url),
      });
      expect(missing.ok ? null : missing.error).toMatchObject({ errnoName: 'EIO', op: 'MSHV_RUN_VP' });
      expect(missing.ok ? '' : missing.error.message).toMatch(/the VP thread did not start/);
      const t = await VpThread.start(dev.value, fd, {
        syscalls: new URL('./fixtures/throwingRun.ts', import.meta.url),
      });
      if (!t.ok) throw new Error(t.error.message);
      const r = await t.value.run();
      expect(r.ok ? '' : r.error.message).toMatch(/the VP thread ended: the stand-in kernel fails/);
      expect((await t.value.run()).ok).toBe(false);
      await t.value.close();
    });
  },
);
