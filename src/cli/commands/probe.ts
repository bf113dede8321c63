import { libcSyscalls } from '../../../adapters/native/libcSyscalls.js';
import { MSHV_DEVICE_PATH } from '../../../adapters/native/NativeDevice.js';
import { probeDevice } from '../../../adapters/native/probeDevice.js';
import type { Syscalls } from '../../../adapters/native/Syscalls.js';
import { CliError } from '../CliError.js';
import type { Command } from '../Command.js';
import { optionValue, parseOptions } from '../parseOptions.js';

const usage = `usage: mshv-control probe [--device PATH]
Checks this host's /dev/mshv through the native adapter: open, create and initialize a partition,
create VP 0, read its LAPIC state size, close. --device takes its value as '--device PATH' or
'--device=PATH', once. Exit 0 when every step succeeds, 1 when one fails (no mshv_root driver:
ENOENT), 2 on bad arguments, 3 internal error (a fault of mshv-control itself).`;

/**
 * The probe command over the given system calls (libc's by default; tests pass a model kernel).
 *
 * @example
 * makeProbeCommand().name; // 'probe' (tests pass () => modelKernel)
 */
export function makeProbeCommand(syscalls: () => Syscalls = libcSyscalls): Command {
  return {
    name: 'probe',
    summary:
      'check /dev/mshv on this host through the native adapter (a partition and a VP, made and closed)',
    usage,
    run(args, io) {
      const parsed = parseOptions(args, { '--device': 'value' }, usage);
      const [extra] = parsed.operands;
      if (extra !== undefined) throw new CliError(`unexpected argument '${extra}'\n${usage}`);
      const path = optionValue(parsed, '--device') ?? MSHV_DEVICE_PATH;
      const steps = probeDevice(syscalls(), path);
      for (const s of steps) io.out(`${s.ok ? 'ok  ' : 'FAIL'} ${s.step}: ${s.detail}`);
      const failed = steps.some((s) => !s.ok);
      io.out(failed ? `${path}: not usable on this host` : `${path}: partitions can be created on this host`);
      return failed ? 1 : 0;
    },
  };
}

export const probeCommand: Command = makeProbeCommand();
