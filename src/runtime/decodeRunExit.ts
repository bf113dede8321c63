import type { JsonObject } from '../log/JsonValue.js';
import { bytesToHex } from '../log/hexBytes.js';
import { decodeVpExit } from './decodeVpExit.js';
import { hex64 } from './opArgs.js';
import type { VpExit } from './VpExit.js';

/**
 * The typed exit MSHV_RUN_VP returned, from its 256-byte hv_message, as JSON (u64 as `0x` strings):
 * `decodeVpExit`'s fields, with `message` as hex. This is the value a run's result record carries.
 * Undefined for a message type that is not a VMM exit.
 *
 * @example
 * decodeRunExit(msg); // { kind: 'IO_PORT', port: 1016, write: true, size: 1, value: '0x48', ... }
 */
export function decodeRunExit(message: Uint8Array): JsonObject | undefined {
  const exit = decodeVpExit(message);
  return exit === undefined ? undefined : vpExitJson(exit);
}

/**
 * A typed exit as JSON: u64 fields as `0x` strings, the message as hex.
 *
 * @example
 * vpExitJson(exit).rip; // '0x1000'
 */
export function vpExitJson(exit: VpExit): JsonObject {
  const header = {
    kind: exit.kind,
    vpIndex: exit.vpIndex,
    instructionLength: exit.instructionLength,
    rip: hex64(exit.rip),
    rflags: hex64(exit.rflags),
    message: bytesToHex(exit.message),
  };
  switch (exit.kind) {
    case 'IO_PORT':
      return { ...header, port: exit.port, write: exit.write, size: exit.size, value: hex64(exit.value) };
    case 'MMIO':
    case 'UNMAPPED_GPA':
      return { ...header, write: exit.write, gpa: hex64(exit.gpa) };
    case 'CPUID':
      return { ...header, leaf: hex64(exit.leaf), subleaf: hex64(exit.subleaf) };
    case 'MSR':
      return { ...header, msr: exit.msr, write: exit.write, value: hex64(exit.value) };
    case 'EXCEPTION':
      return { ...header, vector: exit.vector };
    case 'HALT':
      return header;
  }
}
