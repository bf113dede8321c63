/**
 * What `probeDevice` (and so `mshv-control probe`) says when a step fails: the errno once, and for a
 * missing device node the likely cause (review finding 9, inventory §c.1: mshv_root loads only on a
 * Hyper-V root partition).
 */
import { describe, expect, it } from 'vitest';
import { ModelKernel } from '../../adapters/native/ModelKernel.js';
import { probeDevice } from '../../adapters/native/probeDevice.js';
import type { SysResult, UserBuffer } from '../../adapters/native/Syscalls.js';
import { MSHV_REQUEST } from '../../src/hv/uapi/MshvIoctl.js';
import { simWorld } from './nativeRig.js';

/** How often `word` occurs in `text` as a word. */
const occurrences = (text: string, word: string): number =>
  text.split(new RegExp(`\\b${word}\\b`)).length - 1;

describe('probeDevice: a failed step, said once', () => {
  it('a missing device path: ENOENT once; the mshv_root hint only for /dev/mshv itself (review 9)', () => {
    const steps = probeDevice(new ModelKernel(simWorld().device), '/dev/none');
    expect(steps).toEqual([{ step: 'open /dev/none', ok: false, detail: 'ENOENT (no such file)' }]);
    const line = `${steps[0]?.step ?? ''}: ${steps[0]?.detail ?? ''}`;
    expect(occurrences(line, 'ENOENT')).toBe(1);
    expect(line.split('/dev/none').length - 1).toBe(1);
  });

  it('a failed ioctl: its errno once, and everything opened is closed', () => {
    /** A kernel whose driver refuses partitions with EACCES (a policy module, say). */
    class RefusingKernel extends ModelKernel {
      override ioctl(fd: number, request: number, arg: UserBuffer | null): SysResult {
        if (request === MSHV_REQUEST.MSHV_CREATE_PARTITION) {
          this.calls.ioctl += 1;
          return { ok: false, errno: 13 };
        }
        return super.ioctl(fd, request, arg);
      }
    }
    const kernel = new RefusingKernel(simWorld().device);
    const steps = probeDevice(kernel);
    expect(steps.map((s) => `${s.ok ? 'ok' : 'FAIL'} ${s.step}: ${s.detail}`)).toEqual([
      `ok open /dev/mshv: fd ${1 << 20}`,
      `FAIL MSHV_CREATE_PARTITION (LAPIC, X2APIC): MSHV_CREATE_PARTITION on fd ${1 << 20}: EACCES`,
    ]);
    expect(kernel.calls.close).toBe(1);
    expect(kernel.liveBuffers).toBe(0);
  });
});
