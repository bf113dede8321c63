import type { IoctlResult } from '../../../src/pipeline/driver/IoctlResult.js';
import type { KernelPartition, KernelRegion } from '../../../src/pipeline/driver/KernelPartition.js';
import type { HypercallEvent } from '../../../src/pipeline/HypercallRecorder.js';
import { SimWorld, type SimWorldOptions } from '../../../src/runner/SimWorld.js';
import { loadScenario } from '../../../src/scenario/loadScenario.js';
import type { GuestExit } from '../../../src/scenario/Scenario.js';

export function value<T>(r: IoctlResult<T>): T {
  if (!r.ok) throw new Error(`${r.error.op}: ${r.error.errnoName} ${r.error.message}`);
  return r.value;
}

export const RAM = 0x7f00_0000_0000n;
export const SMALL = 0x7f40_0000_0000n;
export const MiB = 1n << 20n;
/** MSHV_SET_MEM_BIT_WRITABLE | MSHV_SET_MEM_BIT_EXECUTABLE; UNMAP is bit 2. */
export const WRITABLE_EXEC = 0b011;

export interface Call {
  readonly name: string;
  readonly op: string;
  readonly repCount: number;
  readonly input: Uint8Array;
}

export const u64 = (b: Uint8Array, at: number): bigint =>
  new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(at, true);
export const u32 = (b: Uint8Array, at: number): number =>
  new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);

/** hv_input_map_gpa_pages: partition id, target GPA base (GFN), map flags u32, padding; then the PFNs. */
export const mapBase = (c: Call): number => Number(u64(c.input, 8));
export const mapFlags = (c: Call): number => u32(c.input, 16);
export const mapPfns = (c: Call): bigint[] =>
  Array.from({ length: c.repCount }, (_, i) => u64(c.input, 24 + 8 * i));

/** What a one-VP world is built from: the scenario's name, seed and world fields (no steps). */
export interface WorldFields {
  readonly name: string;
  readonly seed: number;
  readonly kernel?: object;
  readonly hypervisor?: object;
  readonly hostMemory: readonly object[];
}

const NO_RECORD = { wantsBytes: false, record: () => undefined } as const;

/**
 * A SimWorld over `fields` with one partition (LAPIC, X2APIC, GPA_SUPER_PAGES), initialized, and its
 * VP 0: what every movable-region rig starts from.
 */
export function oneVpWorld(
  fields: WorldFields,
  recorder: ConstructorParameters<typeof SimWorld>[1] = NO_RECORD,
  options: SimWorldOptions = {},
) {
  const w = new SimWorld(loadScenario({ format: 1, ...fields, steps: [] }), recorder, options);
  const d = w.device;
  const ptFd = value(d.createPartition({ ptFlags: 0x7n, ptIsolation: 0n }));
  value(d.initializePartition(ptFd));
  const pt = d.partitionOf(ptFd)!;
  const vpFd = value(d.createVp(ptFd, 0));
  return { w, d, ptFd, pt, vpFd };
}

/**
 * A movable-region world (kernel.ramRegions movable, inventory §c.4 "Movable RAM (NEW)", §c.6): 8 MiB
 * of 2 MiB-backed RAM and 600 4 KiB pages, a partition (LAPIC, X2APIC, GPA_SUPER_PAGES) with one VP;
 * `faults` is the scenario's `hypervisor.faults`.
 */
export function rig(options: SimWorldOptions = {}, faults: readonly object[] = []) {
  const calls: Call[] = [];
  const { w, d, ptFd, pt, vpFd } = oneVpWorld(
    {
      name: 'movable',
      seed: 9,
      kernel: { ramRegions: 'movable' },
      hypervisor: { faults },
      hostMemory: [
        { userAddr: `0x${RAM.toString(16)}`, size: '8MiB', pageSize: '2M' },
        { userAddr: `0x${SMALL.toString(16)}`, size: `0x${(600 * 4096).toString(16)}`, pageSize: '4K' },
      ],
    },
    {
      wantsBytes: true,
      record: (e: HypercallEvent) =>
        calls.push({ name: e.name, op: e.op, repCount: e.repCount, input: e.input.slice() }),
    },
    options,
  );
  const hv = () => {
    const p = w.machine.model.resolve(pt.id);
    if (p === undefined) throw new Error('no partition');
    return p;
  };
  const run = (exits: readonly GuestExit[]): number => {
    w.setGuestScript(ptFd, 0, exits);
    const msg = value(d.runVp(vpFd));
    return u32(msg, 0);
  };
  return { w, d, ptFd, pt, vpFd, calls, hv, run };
}

export const region = (pt: KernelPartition, i = 0): KernelRegion => {
  const r = pt.regions[i];
  if (r === undefined) throw new Error('no region');
  return r;
};

export const OUT: GuestExit = { exit: 'IO_PORT', port: 0x3f8, write: true, size: 1, value: 0x41 };
