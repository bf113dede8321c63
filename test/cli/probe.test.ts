import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/Command.js';
import { makeProbeCommand } from '../../src/cli/commands/probe.js';
import { CliError } from '../../src/cli/CliError.js';
import { runCli } from '../../src/cli/runCli.js';
import { SimWorld } from '../../src/runner/SimWorld.js';
import { loadScenario } from '../../src/scenario/loadScenario.js';
import { ModelKernel } from '../../adapters/native/ModelKernel.js';

function capture(): { io: CliIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l) => out.push(l), err: (l) => err.push(l), isTty: false }, out, err };
}

function simWorld(): SimWorld {
  return new SimWorld(loadScenario({ format: 1, name: 'probe', seed: 1, hypervisor: {}, steps: [] }), {
    wantsBytes: false,
    record: () => undefined,
  });
}

const modelKernel = (): ModelKernel => new ModelKernel(simWorld().device);

describe('mshv-control probe: /dev/mshv through the native adapter', () => {
  it('on a kernel that has the driver: every step succeeds, everything opened is closed, exit 0', async () => {
    const sim = simWorld();
    const kernel = new ModelKernel(sim.device);
    const { io, out } = capture();
    expect(await makeProbeCommand(() => kernel).run([], io)).toBe(0);
    expect(out).toEqual([
      `ok   open /dev/mshv: fd ${1 << 20}`,
      'ok   MSHV_CREATE_PARTITION (LAPIC, X2APIC): partition fd 3',
      'ok   MSHV_INITIALIZE_PARTITION: initialized',
      'ok   MSHV_CREATE_VP 0: vp fd 4',
      'ok   MSHV_GET_VP_STATE LAPIC: 4096 bytes',
      'ok   close fd 4: closed',
      'ok   close fd 3: closed',
      '/dev/mshv: partitions can be created on this host',
    ]);
    expect(sim.device.partitions()).toEqual([]);
    expect(sim.machine.audit().ok).toBe(true);
    expect(kernel.liveBuffers).toBe(0);
  });

  it('a device path that is not there: the open fails with ENOENT, exit 1', async () => {
    const { io, out } = capture();
    expect(await makeProbeCommand(modelKernel).run(['--device', '/dev/none'], io)).toBe(1);
    expect(out).toEqual(['FAIL open /dev/none: ENOENT (no such file)', '/dev/none: not usable on this host']);
  });

  it('bad arguments are a CliError (exit 2) naming the rule', async () => {
    const { io } = capture();
    expect(() => makeProbeCommand(modelKernel).run(['--device'], io)).toThrow(CliError);
    expect(() => makeProbeCommand(modelKernel).run(['extra'], io)).toThrow(/unexpected argument 'extra'/);
    const c = capture();
    expect(await runCli(['probe', '--bogus'], c.io)).toBe(2);
  });

  it.runIf(process.platform === 'linux' && !existsSync('/dev/mshv'))(
    'on this host (no mshv_root): the real probe answers ENOENT, exit 1',
    async () => {
      const { io, out } = capture();
      expect(await runCli(['probe'], io)).toBe(1);
      expect(out[0]).toBe(
        'FAIL open /dev/mshv: ENOENT (no such device node: the mshv_root driver is not loaded, or this host is not a Hyper-V root partition)',
      );
    },
  );
});
