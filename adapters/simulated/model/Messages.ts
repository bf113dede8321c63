import { HVMSG } from '../../../src/hv/flags/HvMessageType.js';
import type { GuestExit } from '../../../src/scenario/Scenario.js';

/** sizeof(struct hv_message) and its header (facts hv_structs.hv_message, inventory §c.8). */
export const HV_MESSAGE_SIZE = 256;
export const HV_MESSAGE_HEADER_SIZE = 16;
export const HV_MESSAGE_PAYLOAD_SIZE = 240;
/** message_flags bit 0: more messages are queued behind this one (write EOM after handling). */
export const MSG_PENDING = 0x1;

/**
 * An hv_message: message_type u32 @0, payload_size u8 @4, message_flags u8 @5, reserved u16 @6,
 * sender (or port) u64 @8, payload @16.
 *
 * @example
 * buildMessage(HVMSG.OPAQUE_INTERCEPT, 0x10n, (v) => v.setUint32(0, 2, true), 4);
 */
export function buildMessage(
  type: number,
  sender: bigint,
  writePayload: (payload: DataView) => void,
  payloadSize: number,
): Uint8Array {
  const msg = new Uint8Array(HV_MESSAGE_SIZE);
  const v = new DataView(msg.buffer);
  v.setUint32(0, type, true);
  v.setUint8(4, payloadSize);
  v.setBigUint64(8, sender, true);
  writePayload(new DataView(msg.buffer, HV_MESSAGE_HEADER_SIZE, HV_MESSAGE_PAYLOAD_SIZE));
  return msg;
}

/** Register values an intercept message header reports. */
export interface InterceptCpuState {
  readonly vpIndex: number;
  readonly rip: bigint;
  readonly rflags: bigint;
  readonly rax: bigint;
}

/** Instruction lengths the model reports (the VMM advances RIP by them itself, lifecycle rule 9). */
const INSTRUCTION_LENGTH: Readonly<Record<GuestExit['exit'], number>> = {
  IO_PORT: 1,
  MMIO: 3,
  HALT: 1,
  CPUID: 2,
  MSR: 2,
  UNMAPPED_GPA: 3,
  EXCEPTION: 0,
};

/**
 * hv_x64_intercept_message_header (40 bytes): vp_index u32 @0, instruction_length:4 | cr8:4 @4,
 * intercept_access_type u8 @5 (0 read, 1 write, 2 execute), execution_state u16 @6 (cr0_pe | efer_lma
 * for a 64-bit guest), cs segment (16) @8, rip @24, rflags @32.
 */
function writeInterceptHeader(
  p: DataView,
  cpu: InterceptCpuState,
  exit: GuestExit['exit'],
  access: number,
): void {
  p.setUint32(0, cpu.vpIndex, true);
  p.setUint8(4, INSTRUCTION_LENGTH[exit] & 0xf);
  p.setUint8(5, access);
  p.setUint16(6, 0x0002 | 0x0010, true);
  p.setBigUint64(8, 0n, true);
  p.setUint32(16, 0xffff_ffff, true);
  p.setUint16(20, 0x8, true);
  p.setUint16(22, 0xa09b, true);
  p.setBigUint64(24, cpu.rip, true);
  p.setBigUint64(32, cpu.rflags, true);
}

/** `kind` of a memory exit: an unmapped GPA, or a GPA mapped without the access (GPA_INTERCEPT). */
export type MemoryExitKind = 'unmapped' | 'no-access';

/**
 * The 256-byte intercept message a guest exit produces, written to the VP's intercept-message page.
 * Layouts: hv_x64_io_port_intercept_message, hv_x64_memory_intercept_message,
 * hv_x64_cpuid_intercept_message, hv_x64_msr_intercept_message, hv_x64_exception_intercept_message;
 * HALT carries the header alone.
 *
 * @example
 * const cpu = { vpIndex: 0, rip: 0x1000n, rflags: 0x2n, rax: 0n };
 * interceptMessage(p.id, cpu, { exit: 'HALT' }).length; // 256
 */
export function interceptMessage(
  partitionId: bigint,
  cpu: InterceptCpuState,
  exit: GuestExit,
  memory: MemoryExitKind = 'unmapped',
): Uint8Array {
  switch (exit.exit) {
    case 'IO_PORT':
      return buildMessage(
        HVMSG.X64_IO_PORT_INTERCEPT,
        partitionId,
        (p) => {
          writeInterceptHeader(p, cpu, exit.exit, exit.write ? 1 : 0);
          p.setUint16(40, exit.port, true);
          p.setUint8(42, exit.size === 1 ? 1 : exit.size === 2 ? 2 : 4);
          p.setUint8(43, 1);
          const rax = exit.write ? (cpu.rax & ~0xffff_ffffn) | BigInt(exit.value >>> 0) : cpu.rax;
          p.setBigUint64(48, rax, true);
          p.setUint8(56, exit.write ? 0xee : 0xec);
        },
        128,
      );
    case 'MMIO':
    case 'UNMAPPED_GPA': {
      const write = exit.exit === 'MMIO' && exit.write;
      return buildMessage(
        memory === 'unmapped' ? HVMSG.UNMAPPED_GPA : HVMSG.GPA_INTERCEPT,
        partitionId,
        (p) => {
          writeInterceptHeader(p, cpu, exit.exit, write ? 1 : 0);
          p.setUint32(40, 0, true);
          p.setUint8(44, 3);
          p.setUint8(45, 0x2);
          p.setBigUint64(48, exit.gpa, true);
          p.setBigUint64(56, exit.gpa, true);
          p.setUint8(64, write ? 0x89 : 0x8b);
        },
        80,
      );
    }
    case 'HALT':
      return buildMessage(
        HVMSG.X64_HALT,
        partitionId,
        (p) => {
          writeInterceptHeader(p, cpu, exit.exit, 2);
        },
        40,
      );
    case 'CPUID':
      return buildMessage(
        HVMSG.X64_CPUID_INTERCEPT,
        partitionId,
        (p) => {
          writeInterceptHeader(p, cpu, exit.exit, 2);
          p.setBigUint64(40, BigInt(exit.leaf >>> 0), true);
          p.setBigUint64(48, BigInt(exit.subleaf >>> 0), true);
        },
        104,
      );
    case 'MSR':
      return buildMessage(
        HVMSG.X64_MSR_INTERCEPT,
        partitionId,
        (p) => {
          writeInterceptHeader(p, cpu, exit.exit, exit.write ? 1 : 0);
          p.setUint32(40, exit.msr >>> 0, true);
          p.setBigUint64(48, exit.write ? exit.value >> 32n : 0n, true);
          p.setBigUint64(56, exit.write ? exit.value & 0xffff_ffffn : 0n, true);
        },
        64,
      );
    case 'EXCEPTION':
      return buildMessage(
        HVMSG.X64_EXCEPTION_INTERCEPT,
        partitionId,
        (p) => {
          writeInterceptHeader(p, cpu, exit.exit, 2);
          p.setUint16(40, exit.vector, true);
        },
        240,
      );
  }
}

/**
 * HVMSG_OPAQUE_INTERCEPT on SINT0: the real intercept is in the VP's page; the payload names the VP.
 *
 * @example
 * new DataView(opaqueInterceptMessage(p.id, 3).buffer).getUint32(16, true); // 3: the VP, first payload u32
 */
export function opaqueInterceptMessage(partitionId: bigint, vpIndex: number): Uint8Array {
  return buildMessage(
    HVMSG.OPAQUE_INTERCEPT,
    partitionId,
    (p) => {
      p.setUint32(0, vpIndex, true);
    },
    4,
  );
}

/**
 * HVMSG_SCHEDULER_VP_SIGNAL_PAIR (root scheduler kick): overflow_count u32 @0, vp_count u8 @4,
 * partition_ids u64[19] @8, vp_indexes u32[19] @160.
 *
 * @example
 * signalPairMessage([{ partitionId: p.id, vpIndex: 0 }])[20]; // 1: vp_count (payload byte 4)
 */
export function signalPairMessage(pairs: readonly { partitionId: bigint; vpIndex: number }[]): Uint8Array {
  return buildMessage(
    HVMSG.SCHEDULER_VP_SIGNAL_PAIR,
    0n,
    (p) => {
      p.setUint8(4, pairs.length);
      pairs.forEach((x, i) => {
        p.setBigUint64(8 + i * 8, x.partitionId, true);
        p.setUint32(160 + i * 4, x.vpIndex, true);
      });
    },
    HV_MESSAGE_PAYLOAD_SIZE,
  );
}

/**
 * HVMSG_ASYNC_CALL_COMPLETION: partition_id u64 @0, status u32 @8, completion_count u32 @12, sub_status u64 @16.
 *
 * @example
 * const msg = asyncCompletionMessage(p.id, 0, 1);
 * new DataView(msg.buffer).getUint32(0, true) === HVMSG.ASYNC_CALL_COMPLETION; // true: the message type
 */
export function asyncCompletionMessage(partitionId: bigint, status: number, count: number): Uint8Array {
  return buildMessage(
    HVMSG.ASYNC_CALL_COMPLETION,
    partitionId,
    (p) => {
      p.setBigUint64(0, partitionId, true);
      p.setUint32(8, status, true);
      p.setUint32(12, count, true);
    },
    24,
  );
}

/**
 * HVMSG_SYNIC_SINT_INTERCEPT: SINT 5 (doorbells) has a new event-ring entry; payload u32 @0 = the SINT.
 *
 * @example
 * sintInterceptMessage(5)[16]; // 5: the SINT (payload u32 @0)
 */
export function sintInterceptMessage(sint: number): Uint8Array {
  return buildMessage(
    HVMSG.SYNIC_SINT_INTERCEPT,
    0n,
    (p) => {
      p.setUint32(0, sint, true);
    },
    8,
  );
}

/**
 * HVMSG_X64_APIC_EOI: the guest wrote EOI for `vector` on VP `vpIndex` (hv_x64_apic_eoi_message:
 * vp_index u32 @0, interrupt_vector u32 @4); the sender is the partition.
 *
 * @example
 * apicEoiMessage(p.id, 1, 0x30)[20]; // 0x30: the vector (payload u32 @4)
 */
export function apicEoiMessage(partitionId: bigint, vpIndex: number, vector: number): Uint8Array {
  return buildMessage(
    HVMSG.X64_APIC_EOI,
    partitionId,
    (p) => {
      p.setUint32(0, vpIndex, true);
      p.setUint32(4, vector, true);
    },
    8,
  );
}
