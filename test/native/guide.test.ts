import { existsSync } from 'node:fs';
import { guideSource } from '../docs/guideSource.js';
import { describe, expect, it } from 'vitest';
import { libcSyscalls } from '../../adapters/native/libcSyscalls.js';
import { ModelKernel } from '../../adapters/native/ModelKernel.js';
import { NativeDevice } from '../../adapters/native/NativeDevice.js';
import type { CliIo } from '../../src/cli/Command.js';
import { makeProbeCommand } from '../../src/cli/commands/probe.js';
import { MSHV_VP_STATE } from '../../src/hv/uapi/flags.js';
import { SimWorld } from '../../src/runner/SimWorld.js';
import { loadScenario } from '../../src/scenario/loadScenario.js';

/**
 * The examples of docs/guide/native.md: each code block marked `<!-- from test/native/guide.test.ts#NAME -->`
 * is the region NAME of this file, each output block marked `<!-- output: NAME -->` what the test NAME
 * prints, so the guide cannot drift from the code.
 */
const GUIDE = 'docs/guide/native.md';

const { guideBlock, region } = guideSource(GUIDE, 'test/native/guide.test.ts');

describe('docs/guide/native.md: code examples are this file’s regions, outputs are these tests’', () => {
  it.each(['open-the-device', 'on-the-model-kernel'])('region %s', (name) => {
    expect(guideBlock(`<!-- from test/native/guide.test.ts#${name} -->`)).toBe(region(name));
  });

  it.runIf(process.platform === 'linux' && !existsSync('/dev/mshv'))(
    'open-the-device: on a host without mshv_root the open is ENOENT',
    () => {
      const lines: string[] = [];
      // #region open-the-device
      const opened = NativeDevice.open(libcSyscalls());
      if (!opened.ok)
        lines.push(opened.error.message); // open /dev/mshv: ENOENT without mshv_root
      else opened.value.dispose();
      // #endregion
      expect(lines).toEqual([
        'open /dev/mshv: ENOENT (no such device node: the mshv_root driver is not loaded, or this host is not a Hyper-V root partition)',
      ]);
    },
  );

  it('on-the-model-kernel: native code runs on the driver model and the simulated hypervisor', () => {
    const lines: string[] = [];
    // #region on-the-model-kernel
    const scenario = loadScenario({ format: 1, name: 'native', seed: 1, hypervisor: {}, steps: [] });
    const sim = new SimWorld(scenario, { wantsBytes: false, record: () => undefined });
    const opened = NativeDevice.open(new ModelKernel(sim.device));
    if (!opened.ok) throw new Error(opened.error.message);
    const dev = opened.value;
    const pt = dev.createPartition({ ptFlags: 0b11n, ptIsolation: 0n });
    if (!pt.ok) throw new Error(pt.error.message);
    dev.initializePartition(pt.value);
    const vp = dev.createVp(pt.value, 0);
    if (!vp.ok) throw new Error(vp.error.message);
    const lapic = dev.getVpState(vp.value, { type: MSHV_VP_STATE.LAPIC, bufSz: 4096 });
    lines.push(lapic.ok ? `LAPIC state: ${lapic.value.bufSz} bytes` : lapic.error.message);
    const again = dev.createVp(pt.value, 0);
    lines.push(again.ok ? 'created twice?' : `second VP 0: ${again.error.errnoName}`);
    dev.close(vp.value);
    dev.close(pt.value);
    dev.dispose();
    // #endregion
    expect(lines).toEqual(['LAPIC state: 4096 bytes', 'second VP 0: EEXIST']);
    expect(sim.device.partitions()).toEqual([]);
  });

  it('output: probe (the probe command over the model kernel)', async () => {
    const out: string[] = [];
    const io: CliIo = { out: (l) => out.push(l), err: () => undefined, isTty: false };
    const sim = new SimWorld(loadScenario({ format: 1, name: 'probe', seed: 1, hypervisor: {}, steps: [] }), {
      wantsBytes: false,
      record: () => undefined,
    });
    expect(await makeProbeCommand(() => new ModelKernel(sim.device)).run([], io)).toBe(0);
    expect(guideBlock('<!-- output: probe -->')).toBe(`${out.join('\n')}\n`);
  });
});
