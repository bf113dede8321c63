/**
 * The native adapter's own cost (adapters/native): the same VMM session issued straight to the
 * driver model (`device-direct`) and through `NativeDevice` over the model kernel (`native-model`),
 * where every ioctl is encoded into its uapi struct, passed as bytes, decoded, answered and copied
 * back. The ratio of their wall times is what the struct path adds on top of the driver model; on a
 * real host the kernel replaces both the model kernel and the driver model.
 *
 * The session, per partition: create, initialize, map 8 MiB of 4 KiB pages, 4 VPs, each run to an
 * IO_PORT exit, its LAPIC state read, an MSI route, an irqfd and an ioeventfd, a VP page mapped and
 * read, then every fd closed.
 */
import { performance } from 'node:perf_hooks';
import { ModelKernel } from '../../../adapters/native/ModelKernel.js';
import { NativeDevice } from '../../../adapters/native/NativeDevice.js';
import { MSHV_VP_MMAP_OFFSET, MSHV_VP_STATE } from '../../../src/hv/uapi/flags.js';
import type { IoctlResult } from '../../../src/pipeline/driver/IoctlResult.js';
import type { DevicePort } from '../../../src/ports/DevicePort.js';
import { SimWorld } from '../../../src/runner/SimWorld.js';
import { loadScenario } from '../../../src/scenario/loadScenario.js';

const PARTITIONS = 60;
const VPS = 4;
const RAM = 0x7f00_0000_0000n;
const REGION = 8n << 20n;
/** Best of this many repetitions (the machine may be shared: the minimum is the cost). */
const REPEATS = 3;

function must<T>(r: IoctlResult<T>): T {
  if (!r.ok) throw new Error(`native bench: ${r.error.op}: ${r.error.message}`);
  return r.value;
}

function world(): SimWorld {
  return new SimWorld(
    loadScenario({
      format: 1,
      name: 'bench-native',
      seed: 9,
      hypervisor: {},
      hostMemory: [{ userAddr: '0x7f0000000000', size: '8MiB', pageSize: '4K' }],
      steps: [],
    }),
    { wantsBytes: false, record: () => undefined },
  );
}

/** The session on `dev`; returns the DevicePort calls it made. */
function session(dev: DevicePort, sim: SimWorld): number {
  let calls = 0;
  const call = <T>(r: IoctlResult<T>): T => {
    calls += 1;
    return must(r);
  };
  for (let p = 0; p < PARTITIONS; p++) {
    const pt = call(dev.createPartition({ ptFlags: 0b11n, ptIsolation: 0n }));
    call(dev.initializePartition(pt));
    call(dev.setGuestMemory(pt, { size: REGION, guestPfn: 0n, userspaceAddr: RAM, flags: 0b11 }));
    const vps: number[] = [];
    for (let v = 0; v < VPS; v++) vps.push(call(dev.createVp(pt, v)));
    for (const [v, fd] of vps.entries()) {
      sim.setGuestScript(pt, v, [{ exit: 'IO_PORT', port: 0x3f8, write: true, size: 1, value: 65 }]);
      call(dev.runVp(fd));
      call(dev.getVpState(fd, { type: MSHV_VP_STATE.LAPIC, bufSz: 4096 }));
    }
    call(dev.setMsiRouting(pt, [{ gsi: 5, addressLo: 0xfee0_0000, addressHi: 0, data: 0x31 }]));
    const efd = dev.createEventfd();
    const doorbell = dev.createEventfd();
    call(dev.irqfd(pt, { fd: efd, resamplefd: 0, gsi: 5, flags: 0 }));
    call(dev.ioeventfd(pt, { datamatch: 0n, addr: 0xfe00_1000n, len: 4, fd: doorbell, flags: 0 }));
    const page = call(dev.mmapVp(vps[0]!, MSHV_VP_MMAP_OFFSET.INTERCEPT_MESSAGE));
    call(dev.readMapped(page));
    call(dev.munmap(page));
    for (const fd of [...vps, pt, efd, doorbell]) call(dev.close(fd));
  }
  return calls;
}

function measure(native: boolean): Record<string, number> {
  let best = Infinity;
  let calls = 0;
  for (let i = 0; i < REPEATS; i++) {
    const sim = world();
    let dev: DevicePort = sim.device;
    let opened: NativeDevice | undefined;
    if (native) {
      opened = must(NativeDevice.open(new ModelKernel(sim.device)));
      dev = opened;
    }
    const t0 = performance.now();
    calls = session(dev, sim);
    best = Math.min(best, performance.now() - t0);
    opened?.dispose();
    if (!sim.machine.audit().ok) throw new Error('native bench: the machine is not conserved');
  }
  return {
    partitions: PARTITIONS,
    calls,
    wallMs: Math.round(best),
    callsPerS: Math.round((calls / best) * 1000),
  };
}

/** The `device-direct` case: the session straight on the driver model. */
export function runDirect(): Promise<Record<string, number>> {
  return Promise.resolve(measure(false));
}

/** The `native-model` case: the same session through NativeDevice over the model kernel. */
export function runNative(): Promise<Record<string, number>> {
  return Promise.resolve(measure(true));
}
