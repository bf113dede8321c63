/**
 * Random hypercall sequences for the simulated hypervisor's property tests: a small world of
 * partitions, VPs, pinned ranges and ports, driven by operations that a driver (or a buggy one)
 * could issue, plus raw fuzz calls (`fuzzArb`): control words mostly valid for the call so the
 * handlers run, some hostile; input bytes mostly made well formed, some left raw.
 */
import fc from 'fast-check';
import { REP_COUNT_MAX, decodeControl, encodeControl } from '../../src/hv/ControlWord.js';
import { HV_MAP_GPA } from '../../src/hv/flags/HvMapGpaFlag.js';
import { HV_PORT_TYPE } from '../../src/hv/flags/HvPortType.js';
import { HV_REGISTER } from '../../src/hv/flags/HvRegisterName.js';
import {
  AssertVirtualInterrupt,
  ConnectPort,
  CreatePort,
  DeletePartition,
  DeletePort,
  DisconnectPort,
  FinalizePartition,
  GetGpaPagesAccessStates,
  HYPERCALL_DEFS,
  InitializePartition,
  MapGpaPages,
  MapVpStatePage,
  SetVpRegisters,
  UnmapVpStatePage,
} from '../../src/hv/hypercalls/index.js';
import { type HypercallDef, traitsOf } from '../../src/hv/Hypercall.js';
import { HV_ANY_VP, HV_PARTITION_ID_SELF } from '../../src/hv/ids.js';
import type { StructLayout } from '../../src/hv/Layout.js';
import { HV_PAGE_SIZE } from '../../src/hv/Page.js';
import type { PfnRun } from '../../src/ports/HostPort.js';
import { GFN_LIMIT } from '../../adapters/simulated/model/GpaMap.js';
import type { SimulatedMachine } from '../../adapters/simulated/SimulatedMachine.js';
import { CallRefused, Caller, USER_2M, USER_4K } from './harness.js';

export type Op =
  | { readonly op: 'create'; readonly init: boolean }
  | { readonly op: 'deposit'; readonly p: number; readonly pages: number }
  | { readonly op: 'init'; readonly p: number }
  | { readonly op: 'createVp'; readonly p: number; readonly vp: number }
  | {
      readonly op: 'map4k';
      readonly p: number;
      readonly at: number;
      readonly pages: number;
      readonly gfn: number;
    }
  | { readonly op: 'map2m'; readonly p: number; readonly chunk: number; readonly gfnChunk: number }
  | {
      readonly op: 'unmap';
      readonly p: number;
      readonly gfn: number;
      readonly pages: number;
      readonly ofMapped: boolean;
    }
  | { readonly op: 'unpin'; readonly pin: number }
  | { readonly op: 'finalize'; readonly p: number }
  | { readonly op: 'withdraw'; readonly p: number }
  | { readonly op: 'delete'; readonly p: number }
  | {
      readonly op: 'statePage';
      readonly p: number;
      readonly vp: number;
      readonly type: number;
      readonly unmap: boolean;
    }
  | { readonly op: 'port'; readonly p: number; readonly id: number; readonly step: number }
  | { readonly op: 'run'; readonly p: number; readonly vp: number; readonly exits: number }
  | { readonly op: 'interrupt'; readonly p: number; readonly vp: number }
  | {
      readonly op: 'fuzz';
      readonly def: number;
      readonly control: bigint;
      readonly bytes: Uint8Array;
      /** Make the input well formed before the call (see `cleanInput`); raw bytes otherwise. */
      readonly clean: boolean;
    }
  | {
      readonly op: 'edge';
      readonly p: number;
      /** 0 MAP_GPA_PAGES, 1 UNMAP_GPA_PAGES, 2 GET_GPA_PAGES_ACCESS_STATES (set accessed and dirty). */
      readonly call: number;
      /** The call starts this many pages below the 2^40-page GPA limit. */
      readonly back: number;
      readonly reps: number;
    };

const small = fc.nat(7);
export const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('create' as const),
      init: fc.oneof(fc.constant(true), fc.constant(true), fc.constant(false)),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('deposit' as const),
      p: small,
      pages: fc.integer({ min: 1, max: 600 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('init' as const), p: small }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('createVp' as const), p: small, vp: fc.nat(3) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('map4k' as const),
      p: small,
      at: fc.nat(16_000),
      pages: fc.integer({ min: 1, max: 1500 }),
      gfn: fc.nat(0x40000),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('map2m' as const),
      p: small,
      chunk: fc.nat(31),
      gfnChunk: fc.nat(511),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('unmap' as const),
      p: small,
      gfn: fc.nat(0x40000),
      pages: fc.integer({ min: 1, max: 3000 }),
      ofMapped: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('unpin' as const), pin: small }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('finalize' as const), p: small }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('withdraw' as const), p: small }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), p: small }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('statePage' as const),
      p: small,
      vp: fc.nat(3),
      type: fc.nat(2),
      unmap: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('port' as const),
      p: small,
      id: fc.integer({ min: 1, max: 4 }),
      step: fc.nat(3),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('run' as const), p: small, vp: fc.nat(3), exits: fc.nat(4) }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('interrupt' as const), p: small, vp: fc.nat(3) }) },
);

/**
 * How a fuzz call's control word is drawn: `valid` fits the call's kind (code and fast bit right, no
 * reserved or NESTED bit, rep count in [1, batchRepsMax] and rep start below it on a rep call, a
 * variable header that stays on the page where the call has one, every rep field zero elsewhere), so
 * the call passes the control-word check and reaches the handler; `flip` is a valid word with one of
 * its 64 bits flipped (a reserved bit, NESTED, the fast bit, a rep field, the code); `raw` is 64
 * random bits with only the code and the fast bit kept.
 */
export type ControlShape = 'valid' | 'flip' | 'raw';

/** The control word `shape` describes for `def`, from the drawn raw numbers. */
export function fuzzControl(
  def: HypercallDef,
  shape: ControlShape,
  d: {
    readonly reps: number;
    readonly start: number;
    readonly varHead: number;
    readonly bit: number;
    readonly raw: bigint;
  },
): bigint {
  const t = traitsOf(def);
  const fast = t.fast;
  if (shape === 'raw') return (d.raw & ~0x1ffffn) | BigInt(def.code) | (fast ? 1n << 16n : 0n);
  let repCount = 0;
  let repStart = 0;
  let varHeadQwords = 0;
  if (t.kind === 'rep') {
    repCount = 1 + ((d.reps - 1) % t.batchRepsMax);
    repStart = d.start % repCount;
  } else if (t.kind === 'simple' && t.elementSize > 0) {
    varHeadQwords = d.varHead % (Math.floor((HV_PAGE_SIZE - t.headerSize) / 8) + 1);
  }
  const word = encodeControl({ code: def.code, fast, repCount, repStart, varHeadQwords });
  return shape === 'valid' ? word : word ^ (1n << BigInt(d.bit));
}

/**
 * Input bytes: half the time any bytes, half the time mostly small values (plausible indexes, types
 * and flags, so fewer calls stop at a reserved byte or an unknown index).
 */
const fuzzBytesArb = fc.oneof(
  fc.uint8Array({ minLength: 0, maxLength: 96, size: 'max' }),
  fc
    .array(
      fc.oneof(
        { weight: 6, arbitrary: fc.constant(0) },
        { weight: 3, arbitrary: fc.nat(3) },
        { weight: 1, arbitrary: fc.nat(255) },
      ),
      // At least 8 bytes, so the first field is the prelude's partition (see runOps).
      { minLength: 8, maxLength: 96, size: 'max' },
    )
    .map((xs) => Uint8Array.from(xs)),
);

/**
 * Raw calls: a control word that is valid for the call about three draws in four (so the handlers
 * see the input bytes) and hostile otherwise (one bit flipped, or 64 random bits).
 */
export const fuzzArb: fc.Arbitrary<Op> = fc
  .record({
    def: fc.nat(HYPERCALL_DEFS.length - 1),
    shape: fc.oneof(
      { weight: 6, arbitrary: fc.constant<ControlShape>('valid') },
      { weight: 1, arbitrary: fc.constant<ControlShape>('flip') },
      { weight: 1, arbitrary: fc.constant<ControlShape>('raw') },
    ),
    // Few reps and a rep start of 0 half the time, so the reps that run read the drawn list bytes.
    reps: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: REP_COUNT_MAX })),
    start: fc.oneof(fc.constant(0), fc.nat(REP_COUNT_MAX)),
    varHead: fc.nat(0x3ff),
    bit: fc.nat(63),
    raw: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    bytes: fuzzBytesArb,
    clean: fc.oneof(
      { weight: 3, arbitrary: fc.constant(true) },
      { weight: 1, arbitrary: fc.constant(false) },
    ),
  })
  .map(({ def, shape, bytes, clean, ...d }): Op => {
    const hd = HYPERCALL_DEFS[def];
    if (hd === undefined) throw new Error(`fuzz: no hypercall ${def}`);
    return { op: 'fuzz', def, control: fuzzControl(hd, shape, d), bytes, clean };
  });

/**
 * Make fuzz input bytes well formed for `def`, keeping what was drawn where a field is free: the
 * header's (and each drawn list element's) reserved bytes and bits are cleared; a partition id field
 * names a live partition of the run (`partitionOf` of the drawn value); other fields keep their low
 * byte (u16, u32) or low 32 bits (u64), so indexes and types stay small; and an 8-byte list entry
 * without a layout (a PFN list) names a page of some host extent, of any owner (free, kernel, user,
 * pool, hypervisor), chosen by the drawn value.
 */
function cleanInput(
  def: HypercallDef,
  view: DataView,
  drawn: number,
  listBase: number,
  partitionOf: (v: bigint) => bigint | undefined,
  extents: readonly { readonly start: number; readonly end: number }[],
): void {
  const clean = (layout: StructLayout, at: number): void => {
    for (const r of layout.reservedRanges)
      for (let i = 0; i < r.size; i++) view.setUint8(at + r.offset + i, 0);
    for (const f of layout.fields) {
      if (f.kind === 'bytes' || f.kind === 'reserved') continue;
      const o = at + f.offset;
      const keep = ~(f.reservedMask ?? 0n);
      if (f.kind === 'u8') view.setUint8(o, view.getUint8(o) & Number(keep & 0xffn));
      else if (f.kind === 'u16')
        view.setUint16(o, view.getUint16(o, true) & 0xff & Number(keep & 0xffffn), true);
      else if (f.kind === 'u32')
        view.setUint32(o, (view.getUint32(o, true) & 0xff & Number(keep & 0xffff_ffffn)) >>> 0, true);
      else {
        const v = view.getBigUint64(o, true);
        const id = f.name.endsWith('artitionId') ? partitionOf(v) : undefined;
        view.setBigUint64(o, id ?? v & 0xffff_ffffn & keep, true);
      }
    }
  };
  if (def.input !== undefined) clean(def.input, 0);
  const element = def.inputElement;
  if (element === undefined) return;
  for (let at = listBase; at + element.size <= drawn; at += element.size) {
    if (element.layout !== undefined) clean(element.layout, at);
    else if (element.size === 8 && extents.length > 0) {
      const v = view.getUint32(at, true);
      const e = extents[v % extents.length];
      if (e !== undefined) view.setBigUint64(at, BigInt(e.start + ((v >>> 8) % (e.end - e.start))), true);
    }
  }
}

/**
 * GPA calls near the top of the 2^40-page GPA space, whose range may cross it: the answer may not
 * depend on the rep time slice (inventory §b.1).
 */
export const edgeArb: fc.Arbitrary<Op> = fc.record({
  op: fc.constant('edge' as const),
  p: small,
  call: fc.nat(2),
  back: fc.integer({ min: 1, max: 1100 }),
  reps: fc.integer({ min: 1, max: 1100 }),
});

interface Pin {
  readonly runs: readonly PfnRun[];
  unpinned: boolean;
}

/** Run `ops` against `machine`, recording every answer in `transcript`; throws only on a broken invariant. */
export function runOps(machine: SimulatedMachine, ops: readonly Op[], transcript?: string[]): void {
  const c = new Caller(machine);
  c.transcript = transcript;
  const parts: bigint[] = [];
  const pins: Pin[] = [];
  const mapped: { p: bigint; gfn: number; pages: number }[] = [];
  // Prelude: one initialized partition with VP 0 and its intercept page, so most operations have a target.
  skipRefused(() => {
    const first = c.readyPartition();
    parts.push(first);
    c.createVp(first, 0);
    c.call(MapVpStatePage, {
      partitionId: first,
      vpIndex: 0,
      type: 1,
      inputVtl: 0,
      flags: 0,
      requestedMapLocation: 0n,
    });
  });
  const pick = <T>(xs: readonly T[], i: number): T | undefined =>
    xs.length === 0 ? undefined : xs[i % xs.length];
  for (const o of ops)
    skipRefused(() => {
      switch (o.op) {
        case 'create':
          if (parts.length < 4) parts.push(o.init ? c.readyPartition() : c.createPartition());
          break;
        case 'deposit': {
          const p = pick(parts, o.p);
          if (p !== undefined) c.deposit(p, o.pages);
          break;
        }
        case 'init': {
          const p = pick(parts, o.p);
          if (p !== undefined) c.fast(InitializePartition, { partitionId: p });
          break;
        }
        case 'createVp': {
          const p = pick(parts, o.p);
          if (p !== undefined) c.createVp(p, o.vp);
          break;
        }
        case 'map4k': {
          const p = pick(parts, o.p);
          if (p === undefined) break;
          const pages = Math.min(o.pages, 16_384 - o.at);
          if (pages <= 0) break;
          const r = machine.host.pinUserRange(USER_4K + BigInt(o.at) * 4096n, pages);
          if (r.kind !== 'ram') throw new Error('pin of a declared VMA failed');
          pins.push({ runs: r.runs, unpinned: false });
          c.mapRuns(p, o.gfn, r.runs);
          mapped.push({ p, gfn: o.gfn, pages });
          break;
        }
        case 'map2m': {
          const p = pick(parts, o.p);
          if (p === undefined) break;
          const r = machine.host.pinUserRange(USER_2M + BigInt(o.chunk) * (2n << 20n), 512);
          if (r.kind !== 'ram') throw new Error('pin of a declared VMA failed');
          pins.push({ runs: r.runs, unpinned: false });
          const head = r.runs[0]?.pfn ?? 0;
          for (let i = 0; i < 4; i++) {
            const a = c.call(
              MapGpaPages,
              {
                targetPartitionId: p,
                targetGpaBase: BigInt(o.gfnChunk * 512),
                mapFlags: (HV_MAP_GPA.READABLE | HV_MAP_GPA.LARGE_PAGE) >>> 0,
              },
              {
                repCount: 1,
                list: (pg, at) => {
                  pg.setU64Number(at, head);
                },
              },
            );
            if (a.status !== 0x0b) break;
            c.deposit(p, 4);
          }
          mapped.push({ p, gfn: o.gfnChunk * 512, pages: 512 });
          break;
        }
        case 'unmap': {
          // Half the time, unmap part of (or all of, or around) something mapped earlier.
          const m = o.ofMapped ? pick(mapped, o.gfn) : undefined;
          if (m !== undefined)
            c.unmap(m.p, Math.max(0, m.gfn + (o.gfn % 1024) - 512), Math.min(o.pages, m.pages + 1024));
          else {
            const p = pick(parts, o.p);
            if (p !== undefined) c.unmap(p, o.gfn, o.pages);
          }
          break;
        }
        case 'unpin': {
          const pin = pick(pins, o.pin);
          if (pin === undefined || pin.unpinned) break;
          if (
            !pin.runs.every((r) =>
              [...machine.hostExtents()].every(
                (e) => e.exclusive < 0 || e.end <= r.pfn || e.start >= r.pfn + r.count,
              ),
            )
          )
            break;
          machine.host.unpinUserRange(pin.runs);
          pin.unpinned = true;
          break;
        }
        case 'finalize': {
          const p = pick(parts, o.p);
          if (p !== undefined) c.fast(FinalizePartition, { partitionId: p });
          break;
        }
        case 'withdraw': {
          const p = pick(parts, o.p);
          if (p !== undefined) c.withdrawAll(p);
          break;
        }
        case 'delete': {
          const p = pick(parts, o.p);
          if (p !== undefined) c.fast(DeletePartition, { partitionId: p });
          break;
        }
        case 'statePage': {
          const p = pick(parts, o.p);
          if (p === undefined) break;
          if (o.unmap) c.call(UnmapVpStatePage, { partitionId: p, vpIndex: o.vp, type: o.type, inputVtl: 0 });
          else {
            for (let i = 0; i < 3; i++) {
              const a = c.call(MapVpStatePage, {
                partitionId: p,
                vpIndex: o.vp,
                type: o.type,
                inputVtl: 0,
                flags: 0,
                requestedMapLocation: 0n,
              });
              if (a.status !== 0x0b) break;
              c.deposit(p, 1);
            }
          }
          break;
        }
        case 'port': {
          const p = pick(parts, o.p);
          if (p === undefined) break;
          if (o.step === 0) {
            c.deposit(HV_PARTITION_ID_SELF, 1);
            c.call(CreatePort, {
              portPartitionId: HV_PARTITION_ID_SELF,
              portId: o.id,
              portVtl: 0,
              minConnectionVtl: 0,
              connectionPartitionId: p,
              portInfoPortType: HV_PORT_TYPE.DOORBELL,
              portInfoDoorbellTargetSint: 5,
              portInfoDoorbellTargetVp: HV_ANY_VP,
              proximityDomainInfo: 0n,
            });
          } else if (o.step === 1) {
            c.deposit(p, 1);
            c.call(ConnectPort, {
              connectionPartitionId: p,
              connectionId: o.id,
              connectionVtl: 0,
              portPartitionId: HV_PARTITION_ID_SELF,
              portId: o.id,
              connectionInfoPortType: HV_PORT_TYPE.DOORBELL,
              connectionInfoDoorbellGpa: 0xfe00_0000n + BigInt(o.id) * 8n,
              connectionInfoDoorbellTriggerValue: 0n,
              connectionInfoDoorbellFlags: 0x8000_0000n,
              proximityDomainInfo: 0n,
            });
          } else if (o.step === 2)
            c.fast(DisconnectPort, { connectionPartitionId: p, connectionId: o.id, isDoorbell: 1 });
          else c.fast(DeletePort, { portPartitionId: HV_PARTITION_ID_SELF, portId: o.id });
          break;
        }
        case 'run': {
          const p = pick(parts, o.p);
          const view = p === undefined ? undefined : machine.partition(p);
          const vp = view?.vps[o.vp % Math.max(1, view.vps.length)]?.index;
          if (p === undefined || view?.state !== 'initialized' || vp === undefined) break;
          machine.pushExits(
            p,
            vp,
            Array.from({ length: o.exits }, (_, i) =>
              i % 2 === 0
                ? {
                    exit: 'MMIO' as const,
                    gpa: BigInt(i) * 0x1000n,
                    write: true,
                    size: 4 as const,
                    value: 1n,
                  }
                : { exit: 'IO_PORT' as const, port: 0x80, write: true, size: 1 as const, value: i },
            ),
          );
          c.rep(SetVpRegisters, { partitionId: p, vpIndex: vp, inputVtl: 0 }, 2, (pg, at) => {
            pg.view.setUint32(at, HV_REGISTER.INTERCEPT_SUSPEND, true);
            pg.view.setUint32(at + 32, HV_REGISTER.EXPLICIT_SUSPEND, true);
          });
          for (let cpu = 0; cpu < machine.knobs.cpuCount; cpu++)
            while (machine.takeSint0Message(cpu) !== undefined);
          break;
        }
        case 'interrupt': {
          const p = pick(parts, o.p);
          if (p !== undefined)
            c.call(AssertVirtualInterrupt, {
              partitionId: p,
              control: 0n,
              destAddr: BigInt(o.vp),
              vector: 0x40,
              targetVtl: 0,
            });
          break;
        }
        case 'edge': {
          const p = pick(parts, o.p);
          if (p === undefined) break;
          const gfn = GFN_LIMIT - o.back;
          if (o.call === 0) {
            const r = machine.host.pinUserRange(USER_4K, o.reps);
            if (r.kind !== 'ram') throw new Error('pin of a declared VMA failed');
            pins.push({ runs: r.runs, unpinned: false });
            c.mapRuns(p, gfn, r.runs);
          } else if (o.call === 1) c.unmap(p, gfn, o.reps);
          else
            c.rep(
              GetGpaPagesAccessStates,
              { partitionId: p, flags: 0xan, hvGpaPageNumber: BigInt(gfn) },
              o.reps,
            );
          break;
        }
        case 'fuzz': {
          const def = HYPERCALL_DEFS[o.def];
          if (def === undefined) break;
          const fast = def.kind === 'fast8' || def.kind === 'fast16';
          // The control word is issued as drawn (see fuzzArb): mostly valid for the call, some hostile.
          const control = o.control;
          const input = c.input;
          input.zero();
          input.bytes.set(o.bytes);
          if (o.clean)
            cleanInput(
              def,
              input.view,
              o.bytes.length,
              traitsOf(def).headerSize + decodeControl(control).varHeadQwords * 8,
              (v) => pick(parts, Number(v & 0xffn)),
              [...machine.hostExtents()],
            );
          else if (pick(parts, 0) !== undefined && o.bytes.length >= 8)
            input.view.setBigUint64(0, parts[0] ?? 0n, true);
          const word = !fast
            ? machine.hypervisor.hypercall(control, input, c.output)
            : def.kind === 'fast8'
              ? machine.hypervisor.fastHypercall8(control, input.view.getBigUint64(0, true))
              : machine.hypervisor.fastHypercall16(
                  control,
                  input.view.getBigUint64(0, true),
                  input.view.getBigUint64(8, true),
                );
          c.record(word);
          break;
        }
      }
    });
}

/** Run one operation; a call the harness expected to succeed that was refused skips it (see CallRefused). */
function skipRefused(op: () => void): void {
  try {
    op();
  } catch (e) {
    if (!(e instanceof CallRefused)) throw e;
  }
}
