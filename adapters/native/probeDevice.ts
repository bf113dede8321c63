import { MSHV_PT_BIT, MSHV_VP_STATE } from '../../src/hv/uapi/flags.js';
import type { IoctlResult, MshvError } from '../../src/pipeline/driver/IoctlResult.js';
import { MSHV_DEVICE_PATH, NativeDevice } from './NativeDevice.js';
import type { Syscalls } from './Syscalls.js';

/** One step of a probe: what was asked and what the kernel answered. */
export interface ProbeStep {
  readonly step: string;
  readonly ok: boolean;
  /** The value (an fd, a size) or the errno and message. */
  readonly detail: string;
}

/**
 * A failure as a probe line shows it: the errno once, and the message without the step it repeats
 * (`ENOENT (no such device node: …)` for the step `open /dev/mshv`).
 */
function failureDetail(step: string, e: MshvError): string {
  const text = e.message.startsWith(`${step}: `) ? e.message.slice(step.length + 2) : e.message;
  return new RegExp(`\\b${e.errnoName}\\b`).test(text) ? text : `${e.errnoName}: ${text}`;
}

/**
 * Check that a host can run partitions through /dev/mshv, the smallest way the lifecycle allows:
 * open the device, create a partition (LAPIC, X2APIC), initialize it, create VP 0, read its LAPIC
 * state size, then close the VP and the partition (the driver's release path tears it down). Stops
 * at the first failure; whatever it opened is closed on the way out.
 *
 * @example
 * probeDevice(libcSyscalls()); // [{ step: 'open /dev/mshv', ok: false, detail: 'ENOENT (no such device node: ...)' }]
 */
export function probeDevice(sys: Syscalls, path: string = MSHV_DEVICE_PATH): ProbeStep[] {
  const steps: ProbeStep[] = [];
  const note = <T>(step: string, r: IoctlResult<T>, show: (v: T) => string): r is { ok: true; value: T } => {
    steps.push(
      r.ok
        ? { step, ok: true, detail: show(r.value) }
        : { step, ok: false, detail: failureDetail(step, r.error) },
    );
    return r.ok;
  };
  const opened = NativeDevice.open(sys, path);
  if (!note(`open ${path}`, opened, (d) => `fd ${d.fd}`)) return steps;
  const dev = opened.value;
  const fds: number[] = [];
  try {
    const flags = BigInt((1 << MSHV_PT_BIT.LAPIC) | (1 << MSHV_PT_BIT.X2APIC));
    const pt = dev.createPartition({ ptFlags: flags, ptIsolation: 0n });
    if (!note('MSHV_CREATE_PARTITION (LAPIC, X2APIC)', pt, (fd) => `partition fd ${fd}`)) return steps;
    fds.push(pt.value);
    if (!note('MSHV_INITIALIZE_PARTITION', dev.initializePartition(pt.value), () => 'initialized'))
      return steps;
    const vp = dev.createVp(pt.value, 0);
    if (!note('MSHV_CREATE_VP 0', vp, (fd) => `vp fd ${fd}`)) return steps;
    fds.unshift(vp.value);
    const lapic = dev.getVpState(vp.value, { type: MSHV_VP_STATE.LAPIC, bufSz: 4096 });
    note('MSHV_GET_VP_STATE LAPIC', lapic, (s) => `${s.bufSz} bytes`);
    return steps;
  } finally {
    for (const fd of fds) note(`close fd ${fd}`, dev.close(fd), () => 'closed');
    dev.dispose();
  }
}
