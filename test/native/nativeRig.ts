import { readFileSync } from 'node:fs';
import { ModelKernel } from '../../adapters/native/ModelKernel.js';
import { NativeDevice } from '../../adapters/native/NativeDevice.js';
import type { SysResult, Syscalls, UserBuffer } from '../../adapters/native/Syscalls.js';
import { MSHV_PT_BIT } from '../../src/hv/uapi/flags.js';
import type { IoctlResult } from '../../src/pipeline/driver/IoctlResult.js';
import { SimWorld } from '../../src/runner/SimWorld.js';
import { loadScenario } from '../../src/scenario/loadScenario.js';

/** Guest RAM of `simWorld()`: 8 MiB of host memory at this address. */
export const RAM = 0x7f00_0000_0000n;
export const PT_FLAGS = BigInt((1 << MSHV_PT_BIT.LAPIC) | (1 << MSHV_PT_BIT.X2APIC));

/** A simulated machine with 8 MiB of host memory at `RAM`, nothing recorded. */
export function simWorld(): SimWorld {
  return new SimWorld(
    loadScenario({
      format: 1,
      name: 'native-rig',
      seed: 21,
      hypervisor: {},
      hostMemory: [{ userAddr: '0x7f0000000000', size: '8MiB', pageSize: '4K' }],
      steps: [],
    }),
    { wantsBytes: false, record: () => undefined },
  );
}

/** NativeDevice opened on `sys`, or a thrown error. */
export function openOn(sys: Syscalls): NativeDevice {
  const r = NativeDevice.open(sys);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** The value of a result that must have succeeded. */
export function must<T>(r: IoctlResult<T>): T {
  if (!r.ok) throw new Error(`${r.error.op}: ${r.error.message}`);
  return r.value;
}

/** The errno name of a failed result ('ok' for a success). */
export const errnoOf = (r: IoctlResult<unknown>): string => (r.ok ? 'ok' : r.error.errnoName);

/**
 * A model kernel that keeps what the adapter handed it: each allocation's size, and each ioctl's
 * argument bytes as they were when the ioctl was made.
 */
export class RecordingKernel extends ModelKernel {
  readonly allocs: number[] = [];
  readonly args: { readonly request: number; readonly bytes: Uint8Array }[] = [];

  override alloc(size: number, align: number): UserBuffer {
    this.allocs.push(size);
    return super.alloc(size, align);
  }

  override ioctl(fd: number, request: number, arg: UserBuffer | null): SysResult {
    if (arg !== null) this.args.push({ request, bytes: arg.bytes.slice() });
    return super.ioctl(fd, request, arg);
  }
}

/** A struct of test/fixtures/mshv-facts.json (`structs`): its fields by C name. */
export interface FactsStruct {
  readonly size: number;
  readonly fields: readonly { readonly name: string; readonly offset: number; readonly size: number }[];
}

/** The parts of the reference facts the native tests read. */
export interface NativeFacts {
  readonly structs: Readonly<Record<string, FactsStruct>>;
  readonly limits: { readonly MSHV_MAX_GUEST_IRQS: number };
  readonly x86_64_registers: {
    readonly control: string;
    readonly input_gpa_or_fast_input1: string;
    readonly output_gpa_or_fast_input2: string;
    readonly status: string;
  };
}

/** The committed copy of the reference facts (byte-identical to the shared reference). */
export function loadNativeFacts(): NativeFacts {
  return JSON.parse(
    readFileSync(new URL('../fixtures/mshv-facts.json', import.meta.url), 'utf8'),
  ) as NativeFacts;
}
