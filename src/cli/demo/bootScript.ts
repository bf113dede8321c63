import type { GuestExit } from '../../api/index.js';

/** Guest-physical layout of the demo guest. */
export const DEMO_LAYOUT = {
  /** Guest RAM: 4 GiB from GPA 0, backed by 2 MiB host pages. */
  ramBytes: 4n << 30n,
  /** A passthrough MMIO range (a device BAR): 2 MiB at 4 GiB. */
  mmioGpa: 0x1_0000_0000n,
  mmioBytes: 0x20_0000n,
  /** Read-only flash: 2 MiB at 4 GiB + 16 MiB; a guest write to it is a GPA intercept (MMIO exit). */
  flashGpa: 0x1_0100_0000n,
  flashBytes: 0x20_0000n,
  /** An emulated device's registers, in no region: accesses are UNMAPPED_GPA exits. */
  deviceGpa: 0x1_0200_0000n,
  /** The serial port the guests print on. */
  serialPort: 0x3f8,
  /** RAM pages each VP writes during boot (they show up in the dirty pass). */
  pagesWrittenPerVp: 8,
} as const;

/**
 * What VP `index` does while it boots: prints `cpu<index>` on the serial port (port I/O exits),
 * asks CPUID for the hypervisor leaf, writes 8 pages of RAM (completed in the guest: no exit, the
 * pages turn dirty), reads a register of the emulated device (UNMAPPED_GPA), writes the read-only
 * flash (a GPA intercept, an MMIO exit) and halts.
 *
 * @example
 * bootScript(0).length; // 17
 */
export function bootScript(index: number): GuestExit[] {
  const L = DEMO_LAYOUT;
  const text = `cpu${index}`;
  const serial = Array.from({ length: text.length }, (_, i): GuestExit => ({
    exit: 'IO_PORT',
    port: L.serialPort,
    write: true,
    size: 1,
    value: text.charCodeAt(i),
  }));
  const writes = Array.from({ length: L.pagesWrittenPerVp }, (_, k): GuestExit => ({
    exit: 'MMIO',
    gpa: BigInt(0x10_0000 + index * 0x1_0000 + k * 0x1000),
    write: true,
    size: 8,
    value: BigInt(index * 100 + k),
  }));
  return [
    ...serial,
    { exit: 'CPUID', leaf: 0x4000_0000, subleaf: 0 },
    ...writes,
    { exit: 'UNMAPPED_GPA', gpa: L.deviceGpa + BigInt(index * 8) },
    { exit: 'MMIO', gpa: L.flashGpa + BigInt(index * 0x1000), write: true, size: 4, value: 0xdead_beefn },
    { exit: 'HALT' },
  ];
}

/**
 * What each VP does after the resume: prints a newline and halts again.
 *
 * @example
 * afterResumeScript(); // [{ exit: 'IO_PORT', port: 0x3f8, … value: 10 }, { exit: 'HALT' }]
 */
export function afterResumeScript(): GuestExit[] {
  return [
    { exit: 'IO_PORT', port: DEMO_LAYOUT.serialPort, write: true, size: 1, value: 0x0a },
    { exit: 'HALT' },
  ];
}
