import { describe, expect, it } from 'vitest';
import { interceptMessage, opaqueInterceptMessage } from '../../adapters/simulated/model/Messages.js';
import { decodeRunExit } from '../../src/runtime/decodeRunExit.js';
import { decodeVpExit } from '../../src/runtime/decodeVpExit.js';
import type { GuestExit } from '../../src/scenario/Scenario.js';

const cpu = { vpIndex: 3, rip: 0xffff_fff0n, rflags: 0x202n, rax: 0x1234_5678_9abc_def0n };
const msg = (exit: GuestExit, memory: 'unmapped' | 'no-access' = 'unmapped'): Uint8Array =>
  interceptMessage(0x42n, cpu, exit, memory);

describe('decodeVpExit: one variant per intercept message (inventory §c.6, §c.8)', () => {
  it.each<[GuestExit, 'unmapped' | 'no-access', Record<string, unknown>]>([
    [
      { exit: 'IO_PORT', port: 0x3f8, write: true, size: 1, value: 0x48 },
      'unmapped',
      { kind: 'IO_PORT', port: 0x3f8, write: true, size: 1, value: 0x48n, instructionLength: 1 },
    ],
    [
      { exit: 'IO_PORT', port: 0x60, write: false, size: 2, value: 0 },
      'unmapped',
      { kind: 'IO_PORT', port: 0x60, write: false, size: 2, value: 0xdef0n },
    ],
    [
      { exit: 'MMIO', gpa: 0x1_0100_0000n, write: true, size: 4, value: 1n },
      'no-access',
      { kind: 'MMIO', gpa: 0x1_0100_0000n, write: true, instructionLength: 3 },
    ],
    [
      { exit: 'UNMAPPED_GPA', gpa: 0xfee0_0000n },
      'unmapped',
      { kind: 'UNMAPPED_GPA', gpa: 0xfee0_0000n, write: false },
    ],
    [{ exit: 'HALT' }, 'unmapped', { kind: 'HALT', instructionLength: 1 }],
    [
      { exit: 'CPUID', leaf: 0x4000_0000, subleaf: 1 },
      'unmapped',
      { kind: 'CPUID', leaf: 0x4000_0000n, subleaf: 1n },
    ],
    [
      { exit: 'MSR', msr: 0xc000_0080, write: true, value: 0x1_0000_0d01n },
      'unmapped',
      { kind: 'MSR', msr: 0xc000_0080, write: true, value: 0x1_0000_0d01n },
    ],
    [{ exit: 'EXCEPTION', vector: 14 }, 'unmapped', { kind: 'EXCEPTION', vector: 14 }],
  ])('%o', (exit, memory, fields) => {
    const bytes = msg(exit, memory);
    const decoded = decodeVpExit(bytes);
    expect(decoded).toMatchObject({ vpIndex: 3, rip: 0xffff_fff0n, rflags: 0x202n, ...fields });
    expect(decoded?.message).toEqual(bytes);
    // The JSON a run's result record carries is the same exit, u64 as 0x strings.
    const json = decodeRunExit(bytes);
    expect(json).toMatchObject({ kind: fields.kind, vpIndex: 3, rip: '0xfffffff0', rflags: '0x202' });
    for (const [k, v] of Object.entries(fields))
      expect(json?.[k]).toEqual(typeof v === 'bigint' ? `0x${v.toString(16)}` : v);
  });

  it('a message that is not a VMM exit is undefined; a buffer that is not 256 bytes throws', () => {
    expect(decodeVpExit(opaqueInterceptMessage(0x42n, 0))).toBeUndefined();
    expect(decodeRunExit(new Uint8Array(256))).toBeUndefined();
    expect(() => decodeVpExit(new Uint8Array(255))).toThrow(/256 bytes/);
  });
});
