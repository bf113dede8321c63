import { VP_STATE_PARTS, type VpStatePart } from '../../machines/vp/VpStatePart.js';
import { HV_REGISTER_VALUE_BYTES } from '../hv/flags/HvX64Register.js';
import type { JsonValue } from '../log/JsonValue.js';
import { bytesToHex, hexToBytes } from '../log/hexBytes.js';
import { decodeVpExit } from '../runtime/decodeVpExit.js';
import type { VpExit } from '../runtime/VpExit.js';
import { stateName } from '../runtime/stateName.js';
import { argumentError } from './HostError.js';
import { objectArg } from './objectArg.js';
import { stateBytesError } from './stateBytesError.js';
import { intField } from './u64Field.js';
import type { HostSession, PartitionRef } from './HostSession.js';
import { isJsonObject } from './isJsonObject.js';
import { type Result, failure, success } from './Result.js';

/** Index of RIP in the REGISTERS group (RAX … R15, RIP, RFLAGS), 16 bytes per value. */
const RIP_INDEX = 16;

/**
 * A virtual processor of a partition (the VP fd of MSHV_CREATE_VP). Made by `partition.createVp`;
 * every call is a request to the VP's lifecycle machine and returns a Result.
 *
 * @example
 * const vp = partition.createVp(0);
 * const exit = await vp.value.run();
 * if (exit.ok && exit.value.kind === 'IO_PORT') vp.value.skipInstruction(exit.value);
 */
export class Vp {
  readonly #session: HostSession;
  readonly #ref: PartitionRef;

  /** @internal Made by `Partition.createVp`. */
  constructor(
    session: HostSession,
    /** The partition the VP belongs to. */
    ref: PartitionRef,
    /** The VP index (vp_index of MSHV_CREATE_VP). */
    readonly index: number,
  ) {
    this.#session = session;
    this.#ref = ref;
    this.partition = ref.name;
    session.adopt(this);
  }
  /** @internal The partition this handle's VP belongs to (name and serial). */
  get ref(): PartitionRef {
    return this.#ref;
  }

  /** The partition's name. */
  readonly partition: string;

  /** The VP machine's state: `created`, `idle`, `running`, `exit`, `interrupted`, `suspended`, `deleted`. */
  get state(): string {
    const snap = this.#session.stale(this.#ref)
      ? undefined
      : this.#session.plane.vpSnapshot(this.partition, this.index);
    return snap === undefined ? 'deleted' : stateName(snap.value);
  }

  /**
   * MSHV_RUN_VP: run until the guest exits to the VMM. Resolves at once when the guest has an exit
   * (or the run is refused); when the guest has nothing to do the thread sleeps in the kernel and
   * the promise resolves later: with the exit the guest takes next (`host.guest(...).exits`), or with
   * EINTR when a pause, a park, a close or a signal kicks it (vmm-lifecycle-rules 4).
   *
   * @example
   * const r = await vp.run();
   * if (!r.ok && r.error.errnoName === 'EINTR') { /* kicked: check whether to stop, then run again *\/ }
   */
  run(): Promise<Result<VpExit>> {
    const op = 'vp.run';
    return this.#session
      .run(op, (plane) => plane.vp(this.partition, this.index, { type: 'RUN' }), this.#ref)
      .then((r) => (r.ok ? success(exitOf(r.value)) : r));
  }

  /**
   * Read one part of the VP's state (vmm-lifecycle-rules 8): a register group through
   * GET_VP_REGISTERS (16 bytes per register, group order), or LAPIC, XSAVE, SIMP, SIEFP and synthetic
   * timers through MSHV_GET_VP_STATE.
   *
   * @example
   * const regs = vp.getState('REGISTERS'); // 18 registers × 16 bytes
   */
  getState(part: VpStatePart): Result<Uint8Array> {
    const op = 'vp.getState';
    if (!isPart(part)) return partError(op, part);
    const r = this.#request(op, { type: 'GET_STATE', part });
    if (!r.ok) return r;
    const bytes = typeof r.value === 'string' ? hexToBytes(r.value) : null;
    if (bytes === null) throw new Error(`${op}: the control plane answered ${JSON.stringify(r.value)}`);
    return success(bytes.slice());
  }

  /**
   * Write one part of the VP's state, of the part's own size (`stateBytesError`): 16 bytes per
   * register of a group (another length is EINVAL `registerGroupSize`), a page for LAPIC, SIMP and
   * SIEFP and 200 bytes of synthetic timers (EINVAL `stateSize` otherwise), never cut or padded.
   * XSAVE is the partition's MAX_XSAVE_DATA_SIZE bytes (the length `getState('XSAVE')` returns),
   * which only the hypervisor knows: a write takes 1 to `XSAVE_BYTES_MAX` bytes into a zero-filled
   * buffer and the driver reads that size of it, as the kernel reads the caller's buffer
   * (inventory §c.7), so a shorter write is zero-filled and a longer one read up to the size. While
   * the VP is `created`, parts must come in rule 8's restore order.
   *
   * @example
   * vp.setState('REGISTERS', regs);
   */
  setState(part: VpStatePart, bytes: Uint8Array): Result<void> {
    const op = 'vp.setState';
    if (!isPart(part)) return partError(op, part);
    if (!(bytes instanceof Uint8Array))
      return failure(argumentError(op, 'bytes', 'bytes', 'expected a Uint8Array'));
    const wrongSize = stateBytesError(op, part, bytes.length);
    if (wrongSize !== undefined) return failure(wrongSize);
    return unit(this.#request(op, { type: 'SET_STATE', part, detail: { data: bytesToHex(bytes) } }));
  }

  /**
   * After a port-I/O (or emulated MMIO) exit, move RIP past the instruction: read REGISTERS, add the
   * exit's instruction length to RIP, write REGISTERS back. The hypervisor does not do it
   * (vmm-lifecycle-rules 9); until it is done a port-I/O exit's VP refuses to run again.
   *
   * @example
   * const r = await vp.run();
   * if (r.ok && r.value.kind === 'IO_PORT') vp.skipInstruction(r.value);
   */
  skipInstruction(exit: VpExit): Result<void> {
    const op = 'vp.skipInstruction';
    const bad = objectArg(op, 'exit', exit, 'the VpExit vp.run() returned');
    if (bad !== undefined) return bad;
    // An x86 instruction is 1 to 15 bytes.
    const length = intField(
      op,
      'exit.instructionLength',
      exit.instructionLength,
      1,
      15,
      'x86InstructionLength',
    );
    if (!length.ok) return length;
    const regs = this.getState('REGISTERS');
    if (!regs.ok) return regs;
    const view = new DataView(regs.value.buffer, regs.value.byteOffset, regs.value.byteLength);
    const at = RIP_INDEX * HV_REGISTER_VALUE_BYTES;
    view.setBigUint64(at, BigInt.asUintN(64, view.getBigUint64(at, true) + BigInt(length.value)), true);
    return this.setState('REGISTERS', regs.value);
  }

  /**
   * The VMM is done setting or restoring the initial state: the VP may run. `createVp` sends it
   * unless `restore` was asked for.
   *
   * @example
   * const vp = partition.createVp(1, { restore: true }).value; vp.setState('MSRS', msrs); vp.ready();
   */
  ready(): Result<void> {
    return unit(this.#request('vp.ready', { type: 'READY' }));
  }

  /**
   * Stop this VP's thread: a run in progress is kicked out with EINTR and the VP stays parked until
   * `unpark` or a `partition.resume()`, which unparks every VP (pause parks every VP itself).
   *
   * @example
   * vp.park();
   */
  park(): Result<void> {
    return unit(this.#request('vp.park', { type: 'PARK' }));
  }

  /**
   * Let a parked VP run again.
   *
   * @example
   * vp.unpark();
   */
  unpark(): Result<void> {
    return unit(this.#request('vp.unpark', { type: 'UNPARK' }));
  }

  #request(op: string, request: Parameters<HostSession['plane']['vp']>[2]): Result<JsonValue> {
    return this.#session.request(op, (plane) => plane.vp(this.partition, this.index, request), this.#ref);
  }
}

function isPart(part: unknown): part is VpStatePart {
  return (VP_STATE_PARTS as readonly unknown[]).includes(part);
}

function partError<T>(op: string, part: unknown): Result<T> {
  return failure(
    argumentError(
      op,
      'part',
      'knownPart',
      `${typeof part === 'string' ? `'${part}'` : typeof part} is not one of ${VP_STATE_PARTS.join(', ')}`,
    ),
  );
}

function unit(r: Result<unknown>): Result<void> {
  return r.ok ? success(undefined) : r;
}

/** The typed exit behind a run's JSON value (its `message` holds the hv_message bytes). */
function exitOf(value: JsonValue): VpExit {
  const hex = isJsonObject(value) ? value.message : undefined;
  const bytes = typeof hex === 'string' ? hexToBytes(hex) : null;
  const exit = bytes === null ? undefined : decodeVpExit(bytes);
  if (exit === undefined) throw new Error(`vp.run: the control plane answered an undecodable exit`);
  return exit;
}
