import type { VpCommand } from '../../machines/vp/VpOp.js';
import { isStatePagePart, type VpStatePart } from '../../machines/vp/VpStatePart.js';
import {
  HV_REGISTER_VALUE_BYTES,
  HV_X64_REGISTER_GROUP,
  type HvX64RegisterGroup,
} from '../hv/flags/HvX64Register.js';
import { HypercallCode } from '../hv/HypercallCode.js';
import { GetVpRegistersInput } from '../hv/hypercalls/GetVpRegisters.js';
import { SetVpRegistersInput } from '../hv/hypercalls/SetVpRegisters.js';
import { HV_PAGE_SIZE } from '../hv/Page.js';
import { MSHV_VP_STATE } from '../hv/uapi/flags.js';
import type { JsonValue } from '../log/JsonValue.js';
import { bytesToHex, hexToBytes } from '../log/hexBytes.js';
import { type IoctlResult, fail, ok } from '../pipeline/driver/IoctlResult.js';
import type { DevicePort } from '../ports/DevicePort.js';
import { passthrough } from './passthrough.js';
import type { VpSlot } from './Slots.js';

/** The MSHV_VP_STATE type of each state-page part (inventory §c.7). */
const STATE_TYPE: Readonly<Partial<Record<VpStatePart, number>>> = {
  LAPIC: MSHV_VP_STATE.LAPIC,
  XSAVE: MSHV_VP_STATE.XSAVE,
  SIMP: MSHV_VP_STATE.SIMP,
  SIEFP: MSHV_VP_STATE.SIEFP,
  SYNTHETIC_TIMERS: MSHV_VP_STATE.SYNTHETIC_TIMERS,
};

/** The XSAVE buffer a state operation offers: three pages (what a write may carry at most). */
export const XSAVE_BUFFER_BYTES = 3 * HV_PAGE_SIZE;

/**
 * Buffer a state read offers: one page, three for XSAVE (MAX_XSAVE_DATA_SIZE is at most a few
 * KiB on x86-64; the driver answers EINVAL naming the size it needs when that is not enough).
 */
const bufferBytes = (part: VpStatePart): number => (part === 'XSAVE' ? XSAVE_BUFFER_BYTES : HV_PAGE_SIZE);

/**
 * Read or write one part of a VP's state (vmm-lifecycle-rules 8): LAPIC, XSAVE, SIMP, SIEFP and
 * synthetic timers through MSHV_GET/SET_VP_STATE, the register groups through GET/SET_VP_REGISTERS
 * on the VP fd's MSHV_ROOT_HVCALL. A read's value is the bytes as hex; a write takes `args.data`
 * (hex; a register group's values, 16 bytes each in group order, zero when absent).
 *
 * @example
 * executeVpStateOp(dev, vp, { type: 'op', op: 'MSHV_GET_VP_STATE', args: { part: 'LAPIC', vp: 0 } });
 */
export function executeVpStateOp(dev: DevicePort, vp: VpSlot, cmd: VpCommand): IoctlResult<JsonValue> {
  const part = cmd.args.part as VpStatePart;
  const data = typeof cmd.args.data === 'string' ? (hexToBytes(cmd.args.data) ?? null) : undefined;
  if (data === null) return fail(cmd.op, 'EINVAL', 'args.data: not an even-length lowercase hex string');
  if (isStatePagePart(part)) {
    const type = STATE_TYPE[part] ?? MSHV_VP_STATE.LAPIC;
    if (cmd.op === 'MSHV_GET_VP_STATE') {
      const r = dev.getVpState(vp.fd, { type, bufSz: bufferBytes(part) });
      return r.ok ? ok(bytesToHex(r.value.data)) : r;
    }
    const bufSz = Math.max(bufferBytes(part), Math.ceil((data?.length ?? 0) / HV_PAGE_SIZE) * HV_PAGE_SIZE);
    const r = dev.setVpState(vp.fd, { type, bufSz, data: data ?? new Uint8Array(0) });
    return r.ok ? ok(null) : r;
  }
  const names: readonly number[] = HV_X64_REGISTER_GROUP[part as HvX64RegisterGroup];
  if (cmd.op === 'GET_VP_REGISTERS') {
    const list = new Uint8Array(names.length * 4);
    const lv = new DataView(list.buffer);
    names.forEach((n, i) => {
      lv.setUint32(i * 4, n, true);
    });
    const r = passthrough(
      dev,
      vp.fd,
      HypercallCode.GET_VP_REGISTERS,
      GetVpRegistersInput,
      { vpIndex: vp.index, inputVtl: 0 },
      names.length * HV_REGISTER_VALUE_BYTES,
      names.length,
      list,
    );
    return r.ok ? ok(bytesToHex(r.value)) : r;
  }
  if (data !== undefined && data.length !== names.length * HV_REGISTER_VALUE_BYTES)
    return fail(
      cmd.op,
      'EINVAL',
      `args.data: ${data.length} bytes, ${part} takes ${names.length * HV_REGISTER_VALUE_BYTES} (16 per register)`,
    );
  const assoc = 32;
  const list = new Uint8Array(names.length * assoc);
  const lv = new DataView(list.buffer);
  names.forEach((n, i) => {
    lv.setUint32(i * assoc, n, true);
    if (data !== undefined) list.set(data.subarray(i * 16, i * 16 + 16), i * assoc + 16);
  });
  const r = passthrough(
    dev,
    vp.fd,
    HypercallCode.SET_VP_REGISTERS,
    SetVpRegistersInput,
    { vpIndex: vp.index, inputVtl: 0 },
    0,
    names.length,
    list,
  );
  return r.ok ? ok(null) : r;
}
