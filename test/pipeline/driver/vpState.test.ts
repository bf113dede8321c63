import { describe, expect, it } from 'vitest';
import { HvStatus } from '../../../src/hv/HvStatus.js';
import { HypercallCode } from '../../../src/hv/HypercallCode.js';
import { HV_PARTITION_PROPERTY } from '../../../src/hv/flags/HvPartitionProperty.js';
import { GetVpStateInput } from '../../../src/hv/hypercalls/GetVpState.js';
import { MSHV_VP_STATE, MSHV_VP_STATE_TO_HV } from '../../../src/hv/uapi/flags.js';
import { createVp } from '../../../src/pipeline/driver/createVp.js';
import { vpState } from '../../../src/pipeline/driver/vpState.js';
import type { HypercallEvent } from '../../../src/pipeline/HypercallRecorder.js';
import type { VpStateArgs } from '../../../src/ports/DevicePort.js';
import type { SeenCall } from '../ScriptedPort.js';
import { facts, inputOf, vpRig } from './vpRig.js';

const PAGE = 4096;
const SIZES = facts.limits.vp_state_sizes;
const PAGES_MAX = facts.batch_sizes.HV_GET_VP_STATE_BATCH_SIZE;

/** Variable-header size (qwords) of a call: control bits 17–26. */
const varHead = (e: HypercallEvent) => Number((e.control >> 17n) & 0x3ffn);
const pfnAt = (c: SeenCall, i: number) => new DataView(c.input.buffer).getBigUint64(40 + i * 8, true);
const pattern = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

function stateRig(properties: Record<number, bigint> = {}) {
  const r = vpRig();
  const res = createVp(r.env, r.pt, 0, 4);
  if (!res.ok) throw new Error(res.error.message);
  r.port.defaults.set(HypercallCode.GET_PARTITION_PROPERTY, (out, call) => {
    out.setBigUint64(0, properties[new DataView(call.input.buffer).getUint32(8, true)] ?? 0n, true);
  });
  r.events.length = 0;
  r.deposits.length = 0;
  // The 90 pages deposited at VP creation stay with the partition; count buffer pages only.
  const base = r.livePages();
  const run = (arg: VpStateArgs, set = false) => vpState(r.env, r.pt, res.value, arg, set);
  return { ...r, run, livePages: () => r.livePages() - base };
}

describe('MSHV_GET/SET_VP_STATE argument checks (inventory §c.7, §d)', () => {
  it.each([
    ['type >= MSHV_VP_STATE_COUNT', { type: MSHV_VP_STATE.COUNT, bufSz: PAGE }, /type 5/],
    ['a negative type', { type: -1, bufSz: PAGE }, /type -1/],
    ['rsvd != 0', { type: 0, rsvd: 1, bufSz: PAGE }, /rsvd/],
    ['buf_sz 0', { type: 0, bufSz: 0 }, /non-zero/],
    ['buf_sz not page aligned', { type: 0, bufSz: PAGE + 8 }, /page aligned/],
    ['buf_sz beyond u32', { type: 0, bufSz: 2 ** 32 }, /u32/],
    ['data larger than buf_sz', { type: 0, bufSz: PAGE, data: new Uint8Array(PAGE + 1) }, /data: 4097/],
  ] as const)('rejects %s with EINVAL, before any hypercall or pinning', (_rule, arg, message) => {
    const r = stateRig();
    // `data` is the SET buffer; GET ignores it.
    for (const set of 'data' in arg ? [true] : [false, true]) {
      const res = r.run(arg, set);
      expect(res.ok ? 'ok' : res.error.errnoName).toBe('EINVAL');
      if (!res.ok) expect(res.error.message).toMatch(message);
    }
    expect([r.events.length, r.freed.length]).toEqual([0, 0]);
  });
});

describe('MSHV_GET/SET_VP_STATE size negotiation (inventory §c.7)', () => {
  it.each(['LAPIC', 'SIMP', 'SIEFP'] as const)(
    '%s: %s bytes by PFN, one page, GET data read back',
    (name) => {
      const r = stateRig();
      const state = pattern(PAGE, 3);
      r.port.onCall = (c) => {
        if (c.code === HypercallCode.GET_VP_STATE) r.shared.writePage(pfnAt(c, 0), state);
      };
      const res = r.run({ type: MSHV_VP_STATE[name], bufSz: PAGE });
      expect(res.ok && res.value.bufSz).toBe(SIZES[name]);
      expect(res.ok && res.value.data).toEqual(state);
      expect(r.names()).toEqual(['GET_VP_STATE']);
      expect(varHead(r.events[0]!)).toBe(1);
      expect(GetVpStateInput.decode(inputOf(r.events[0]!)).stateDataType).toBe(MSHV_VP_STATE_TO_HV[name]);
      expect(r.livePages()).toBe(0);
    },
  );

  it('XSAVE: reads XSAVE_STATES then MAX_XSAVE_DATA_SIZE, writes the size back, EINVAL when too small', () => {
    const r = stateRig({
      [HV_PARTITION_PROPERTY.XSAVE_STATES]: 0x4n,
      // (u32) cast of the 64-bit property: the high bits are dropped.
      [HV_PARTITION_PROPERTY.MAX_XSAVE_DATA_SIZE]: 0x1_0000_2340n,
    });
    const small = r.run({ type: MSHV_VP_STATE.XSAVE, bufSz: 2 * PAGE });
    expect(small.ok ? 'ok' : small.error.errnoName).toBe('EINVAL');
    if (!small.ok) expect(small.error.message).toMatch(/required 9024/);
    const codes = r.events.map((e) => inputOf(e).getUint32(8, true));
    expect(codes).toEqual([HV_PARTITION_PROPERTY.XSAVE_STATES, HV_PARTITION_PROPERTY.MAX_XSAVE_DATA_SIZE]);
    expect(r.freed.length).toBe(0);

    r.events.length = 0;
    const pages = [pattern(PAGE, 1), pattern(PAGE, 2), pattern(PAGE, 9)];
    r.port.onCall = (c) => {
      if (c.code === HypercallCode.GET_VP_STATE)
        pages.forEach((p, i) => {
          r.shared.writePage(pfnAt(c, i), p);
        });
    };
    const ok = r.run({ type: MSHV_VP_STATE.XSAVE, bufSz: 3 * PAGE });
    expect(ok.ok && ok.value.bufSz).toBe(0x2340);
    const get = r.events.at(-1)!;
    expect(varHead(get)).toBe(3);
    const data = GetVpStateInput.decode(inputOf(get));
    expect([data.stateDataType, data.stateDataXsaveFlags, data.stateDataXsaveStates]).toEqual([
      MSHV_VP_STATE_TO_HV.XSAVE,
      0n,
      0x7n, // XSAVE_STATES | legacy x87 | legacy SSE
    ]);
    if (ok.ok)
      expect([...ok.value.data]).toEqual([
        ...pages[0]!,
        ...pages[1]!,
        ...pages[2]!.subarray(0, 0x2340 - 2 * PAGE),
      ]);
    expect(r.livePages()).toBe(0);
  });

  it('XSAVE: a failing property read returns its errno and goes no further', () => {
    const r = stateRig();
    r.port.script(HypercallCode.GET_PARTITION_PROPERTY, () => ({ result: HvStatus.UNKNOWN_PROPERTY }));
    const res = r.run({ type: MSHV_VP_STATE.XSAVE, bufSz: PAGE });
    expect(res.ok ? 'ok' : [res.error.errnoName, res.error.hvStatus]).toEqual([
      'EIO',
      HvStatus.UNKNOWN_PROPERTY,
    ]);
    expect(r.names()).toEqual(['GET_PARTITION_PROPERTY']);
  });

  it('SYNTHETIC_TIMERS GET: 200 bytes from the output page, no PFNs, no pinning', () => {
    const r = stateRig();
    const timers = pattern(SIZES.SYNTHETIC_TIMERS, 5);
    r.port.output(HypercallCode.GET_VP_STATE, (out) => {
      new Uint8Array(out.buffer).set(timers);
    });
    const res = r.run({ type: MSHV_VP_STATE.SYNTHETIC_TIMERS, bufSz: PAGE });
    expect(res.ok && [res.value.bufSz, res.value.data]).toEqual([SIZES.SYNTHETIC_TIMERS, timers]);
    expect(varHead(r.events[0]!)).toBe(0);
    expect(r.freed.length).toBe(0);
  });

  it('SYNTHETIC_TIMERS SET: 200 bytes as 25 qwords of variable header after the 40-byte header', () => {
    const r = stateRig();
    const timers = pattern(SIZES.SYNTHETIC_TIMERS, 11);
    const res = r.run({ type: MSHV_VP_STATE.SYNTHETIC_TIMERS, bufSz: PAGE, data: timers }, true);
    expect(res.ok && res.value.bufSz).toBe(SIZES.SYNTHETIC_TIMERS);
    const set = r.events[0]!;
    expect([set.name, varHead(set)]).toEqual(['SET_VP_STATE', SIZES.SYNTHETIC_TIMERS / 8]);
    expect(set.input.subarray(40, 240)).toEqual(timers);
  });

  it('LAPIC SET: the caller bytes are in the pinned page when the hypervisor reads it; the page is freed', () => {
    const r = stateRig();
    const lapic = pattern(1024, 4);
    let seen: Uint8Array | undefined;
    r.port.onCall = (c) => {
      if (c.code === HypercallCode.SET_VP_STATE) seen = r.shared.readPage(pfnAt(c, 0));
    };
    const res = r.run({ type: MSHV_VP_STATE.LAPIC, bufSz: PAGE, data: lapic }, true);
    expect(res.ok && res.value.bufSz).toBe(SIZES.LAPIC);
    expect(seen?.subarray(0, 1024)).toEqual(lapic);
    expect(seen?.subarray(1024).every((b) => b === 0)).toBe(true);
    expect([varHead(r.events[0]!), r.livePages()]).toEqual([1, 0]);
  });
});

describe('MSHV_GET/SET_VP_STATE PFN bound and deposits (inventory §b.5, §d)', () => {
  it.each([false, true])('set=%s: 507 pages pass in one call; 508 are pinned, rejected, unpinned', (set) => {
    const r = stateRig();
    const atMax = r.run({ type: MSHV_VP_STATE.SIMP, bufSz: PAGES_MAX * PAGE }, set);
    expect(atMax.ok).toBe(true);
    expect(varHead(r.events[0]!)).toBe(PAGES_MAX);
    const over = r.run({ type: MSHV_VP_STATE.SIMP, bufSz: (PAGES_MAX + 1) * PAGE }, set);
    expect(over.ok ? 'ok' : over.error.errnoName).toBe('EINVAL');
    if (!over.ok) expect(over.error.message).toMatch(/508 > HV_[GS]ET_VP_STATE_BATCH_SIZE \(507\)/);
    expect(r.events.length).toBe(1);
    expect(r.freed.map((f) => f.count)).toEqual([PAGES_MAX, PAGES_MAX + 1]);
    expect(r.livePages()).toBe(0);
  });

  it('deposits one page into the partition on INSUFFICIENT_MEMORY and retries', () => {
    const r = stateRig();
    r.port.script(HypercallCode.GET_VP_STATE, () => ({ result: HvStatus.INSUFFICIENT_MEMORY }));
    expect(r.run({ type: MSHV_VP_STATE.SIEFP, bufSz: PAGE }).ok).toBe(true);
    expect(r.names()).toEqual(['GET_VP_STATE', 'DEPOSIT_MEMORY', 'GET_VP_STATE']);
    expect(r.deposits).toEqual([[r.pt.id, facts.deposit_counts.DEFAULT_RETRY]]);
  });

  it('a failed GET_VP_STATE returns its errno and still unpins the buffer', () => {
    const r = stateRig();
    r.port.script(HypercallCode.GET_VP_STATE, () => ({ result: HvStatus.INVALID_VP_STATE }));
    const res = r.run({ type: MSHV_VP_STATE.LAPIC, bufSz: 2 * PAGE });
    expect(res.ok ? 'ok' : res.error.errnoName).toBe('EIO');
    expect(r.livePages()).toBe(0);
  });

  it('a buffer that cannot be pinned fails with ENOMEM before any hypercall', () => {
    const r = stateRig();
    r.failAllocs(true);
    const res = r.run({ type: MSHV_VP_STATE.LAPIC, bufSz: PAGE });
    expect(res.ok ? 'ok' : res.error.errnoName).toBe('ENOMEM');
    expect(r.events.length).toBe(0);
  });
});
