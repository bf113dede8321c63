/**
 * The reserved fields the native adapter writes and the model kernel reads come from one table
 * derived from the uapi layouts (adapters/native/uapiReserved.ts). A wrong offset there would pass
 * the NativeDevice-over-ModelKernel contract test (both sides would share it), so it is checked here
 * against the reference facts, independently of both (review finding 10, inventory §a.4).
 */
import { describe, expect, it } from 'vitest';
import { UAPI_RESERVED } from '../../adapters/native/uapiReserved.js';
import { MSHV_REQUEST } from '../../src/hv/uapi/MshvIoctl.js';
import { MSHV_PT_BIT, MSHV_VP_STATE } from '../../src/hv/uapi/flags.js';
import { PT_FLAGS, RAM, RecordingKernel, loadNativeFacts, must, openOn, simWorld } from './nativeRig.js';

const facts = loadNativeFacts();

/** Each slot: the facts struct and field it must be. */
const EXPECTED: Record<keyof typeof UAPI_RESERVED, readonly [string, string]> = {
  createPartitionRsvd: ['mshv_create_partition_v2', 'pt_rsvd'],
  createPartitionRsvd1: ['mshv_create_partition_v2', 'pt_rsvd1'],
  memRegion: ['mshv_user_mem_region', 'rsvd'],
  ioeventfd: ['mshv_user_ioeventfd', 'rsvd'],
  irqTable: ['mshv_user_irq_table', 'rsvd'],
  gpapAccessBitmap: ['mshv_gpap_access_bitmap', 'rsvd'],
  rootHvcall: ['mshv_root_hvcall', 'rsvd'],
  vpState: ['mshv_get_set_vp_state', 'rsvd'],
};

/** Offset and size of a facts struct field. */
function factsField(struct: string, field: string): { offset: number; size: number } {
  const f = facts.structs[struct]?.fields.find((x) => x.name === field);
  if (f === undefined) throw new Error(`facts: no ${struct}.${field}`);
  return { offset: f.offset, size: f.size };
}

/** The unsigned little-endian value of `size` bytes at `offset`. */
function valueAt(bytes: Uint8Array, offset: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[offset + i] ?? 0);
  return v;
}

describe('reserved uapi fields: one table, from the layouts, checked against the facts', () => {
  it('every reserved slot the adapter and the model kernel share lies at the offset and width of mshv-facts.json structs (inventory §a.4)', () => {
    for (const [key, [struct, field]] of Object.entries(EXPECTED)) {
      const slot = UAPI_RESERVED[key as keyof typeof UAPI_RESERVED];
      expect({ key, offset: slot.offset, size: slot.size }).toEqual({ key, ...factsField(struct, field) });
    }
    expect(Object.keys(UAPI_RESERVED).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it('a reserved value a caller sets reaches the kernel at the facts offset, in every struct that has one', () => {
    const sim = simWorld();
    const kernel = new RecordingKernel(sim.device);
    const dev = openOn(kernel);
    const pt = must(dev.createPartition({ ptFlags: PT_FLAGS, ptIsolation: 0n }));
    must(dev.initializePartition(pt));
    const vp = must(dev.createVp(pt, 0));
    const efd = dev.createEventfd();
    // Values that fill their field's top byte, so a slot one byte off shows.
    dev.createPartition({
      ptFlags: PT_FLAGS | (1n << BigInt(MSHV_PT_BIT.CPU_AND_XSAVE_FEATURES)),
      ptIsolation: 0n,
      v2: {
        numCpuFbanks: 2,
        cpuFbanks: [0n, 0n],
        disabledXsave: 0n,
        rsvd: 0xa1_0000_0003n,
        rsvd1: 0xb2n << 120n,
      },
    });
    dev.setGuestMemory(pt, {
      size: 4096n,
      guestPfn: 0n,
      userspaceAddr: RAM,
      flags: 0b11,
      rsvd: 0xc3n << 48n,
    });
    dev.ioeventfd(pt, { datamatch: 0n, addr: 0xfe00_1000n, len: 4, fd: efd, flags: 0, rsvd: 0xd4_0000_05 });
    dev.setMsiRouting(pt, [], 0xe5_0000_06);
    dev.getGpapAccessBitmap(pt, {
      accessType: 0,
      accessOp: 0,
      pageCount: 8n,
      gpapBase: 0n,
      rsvd: 0xf6n << 40n,
    });
    dev.rootHvcall(pt, { code: 0x44, reps: 0, input: new Uint8Array(16), outSz: 8, rsvd: 0x17n << 40n });
    dev.getVpState(vp, { type: MSHV_VP_STATE.LAPIC, bufSz: 4096, rsvd: 0x28_0009 });
    const sent = (request: number) => {
      const arg = kernel.args.filter((a) => a.request === request).at(-1);
      if (arg === undefined) throw new Error(`no ioctl ${request}`);
      return arg.bytes;
    };
    const at = (request: number, struct: string, field: string): bigint => {
      const { offset, size } = factsField(struct, field);
      return valueAt(sent(request), offset, size);
    };
    const R = MSHV_REQUEST;
    expect([
      at(R.MSHV_CREATE_PARTITION, 'mshv_create_partition_v2', 'pt_rsvd'),
      at(R.MSHV_CREATE_PARTITION, 'mshv_create_partition_v2', 'pt_rsvd1'),
      at(R.MSHV_SET_GUEST_MEMORY, 'mshv_user_mem_region', 'rsvd'),
      at(R.MSHV_IOEVENTFD, 'mshv_user_ioeventfd', 'rsvd'),
      at(R.MSHV_SET_MSI_ROUTING, 'mshv_user_irq_table', 'rsvd'),
      at(R.MSHV_GET_GPAP_ACCESS_BITMAP, 'mshv_gpap_access_bitmap', 'rsvd'),
      at(R.MSHV_ROOT_HVCALL, 'mshv_root_hvcall', 'rsvd'),
      at(R.MSHV_GET_VP_STATE, 'mshv_get_set_vp_state', 'rsvd'),
    ]).toEqual([
      0xa1_0000_0003n,
      0xb2n << 120n,
      0xc3n << 48n,
      0xd4_0000_05n,
      0xe5_0000_06n,
      0xf6n << 40n,
      0x17n << 40n,
      0x28_0009n,
    ]);
    dev.dispose();
  });
});
