import { EXIT_MESSAGE, type ExitKind } from '../../machines/vp/ExitKind.js';
import { HVMSG } from '../hv/flags/HvMessageType.js';
import type { VpExit } from './VpExit.js';

const KIND_BY_TYPE = new Map<number, ExitKind>(
  (Object.entries(EXIT_MESSAGE) as [ExitKind, keyof typeof HVMSG][]).map(([kind, msg]) => [HVMSG[msg], kind]),
);

/** hv_message: 16-byte header, payload from byte 16; the x64 intercept header is its first 40 bytes. */
const P = 16;

/** hv_message is 256 bytes (MSHV_RUN_VP_BUF_SZ). */
const MESSAGE_BYTES = 256;

/**
 * The typed exit in MSHV_RUN_VP's 256-byte hv_message: `kind` by message type
 * (machines/vp/ExitKind.ts), the intercept header (VP index, instruction length, RIP, RFLAGS) and the
 * kind's own fields (port, size and value; GPA; CPUID RAX and RCX; MSR number and value; exception
 * vector). Undefined for a message type that is not a VMM exit. A buffer that is not 256 bytes is a
 * broken invariant of the caller and throws.
 *
 * @example
 * const exit = decodeVpExit(message);
 * if (exit?.kind === 'IO_PORT') exit.port; // 0x3f8
 */
export function decodeVpExit(message: Uint8Array): VpExit | undefined {
  if (message.length !== MESSAGE_BYTES)
    throw new RangeError(`decodeVpExit: hv_message is ${MESSAGE_BYTES} bytes, got ${message.length}`);
  const v = new DataView(message.buffer, message.byteOffset, message.byteLength);
  const kind = KIND_BY_TYPE.get(v.getUint32(0, true));
  if (kind === undefined) return undefined;
  const write = v.getUint8(P + 5) === 1;
  const header = {
    vpIndex: v.getUint32(P, true),
    instructionLength: v.getUint8(P + 4) & 0xf,
    rip: v.getBigUint64(P + 24, true),
    rflags: v.getBigUint64(P + 32, true),
    message: message.slice(),
  };
  switch (kind) {
    case 'IO_PORT': {
      const size = v.getUint8(P + 42) & 0x7;
      const mask = (1n << BigInt(size * 8)) - 1n;
      const value = v.getBigUint64(P + 48, true) & mask;
      return { ...header, kind, port: v.getUint16(P + 40, true), write, size, value };
    }
    case 'MMIO':
    case 'UNMAPPED_GPA':
      return { ...header, kind, write, gpa: v.getBigUint64(P + 56, true) };
    case 'CPUID':
      return { ...header, kind, leaf: v.getBigUint64(P + 40, true), subleaf: v.getBigUint64(P + 48, true) };
    case 'MSR': {
      const value = (v.getBigUint64(P + 48, true) << 32n) | (v.getBigUint64(P + 56, true) & 0xffff_ffffn);
      return { ...header, kind, msr: v.getUint32(P + 40, true), write, value };
    }
    case 'EXCEPTION':
      return { ...header, kind, vector: v.getUint16(P + 40, true) };
    case 'HALT':
      return { ...header, kind };
  }
}
