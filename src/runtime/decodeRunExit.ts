import { EXIT_MESSAGE, type ExitKind } from '../../machines/vp/ExitKind.js';
import { HVMSG } from '../hv/flags/HvMessageType.js';
import type { JsonObject } from '../log/JsonValue.js';
import { bytesToHex } from '../log/hexBytes.js';
import { hex64 } from './opArgs.js';

const KIND_BY_TYPE = new Map<number, ExitKind>(
  (Object.entries(EXIT_MESSAGE) as [ExitKind, keyof typeof HVMSG][]).map(([kind, msg]) => [HVMSG[msg], kind]),
);

/** hv_message: 16-byte header, payload from byte 16; the x64 intercept header is its first 40 bytes. */
const P = 16;

/**
 * The typed exit MSHV_RUN_VP returned, from its 256-byte hv_message, as JSON (u64 as `0x` strings):
 * `kind` (machines/vp/ExitKind.ts), the intercept header (VP index, instruction length, access
 * type, RIP, RFLAGS) and the kind's own fields (port, size and value; GPA; CPUID leaf and subleaf;
 * MSR number and value; exception vector); `message` keeps every byte as hex. Undefined for a
 * message type that is not a VMM exit.
 *
 * @example
 * decodeRunExit(msg); // { kind: 'IO_PORT', port: 1016, write: true, size: 1, value: '0x48', ... }
 */
export function decodeRunExit(message: Uint8Array): JsonObject | undefined {
  const v = new DataView(message.buffer, message.byteOffset, message.byteLength);
  const kind = KIND_BY_TYPE.get(v.getUint32(0, true));
  if (kind === undefined) return undefined;
  const access = v.getUint8(P + 5);
  const header = {
    kind,
    vpIndex: v.getUint32(P, true),
    instructionLength: v.getUint8(P + 4) & 0xf,
    rip: hex64(v.getBigUint64(P + 24, true)),
    rflags: hex64(v.getBigUint64(P + 32, true)),
    message: bytesToHex(message),
  };
  switch (kind) {
    case 'IO_PORT': {
      const size = v.getUint8(P + 42) & 0x7;
      const rax = v.getBigUint64(P + 48, true);
      const mask = (1n << BigInt(size * 8)) - 1n;
      return {
        ...header,
        port: v.getUint16(P + 40, true),
        write: access === 1,
        size,
        value: hex64(rax & mask),
      };
    }
    case 'MMIO':
    case 'UNMAPPED_GPA':
      return { ...header, write: access === 1, gpa: hex64(v.getBigUint64(P + 56, true)) };
    case 'CPUID':
      return {
        ...header,
        leaf: hex64(v.getBigUint64(P + 40, true)),
        subleaf: hex64(v.getBigUint64(P + 48, true)),
      };
    case 'MSR': {
      const value = (v.getBigUint64(P + 48, true) << 32n) | (v.getBigUint64(P + 56, true) & 0xffff_ffffn);
      return { ...header, msr: v.getUint32(P + 40, true), write: access === 1, value: hex64(value) };
    }
    case 'EXCEPTION':
      return { ...header, vector: v.getUint16(P + 40, true) };
    case 'HALT':
      return header;
  }
}
