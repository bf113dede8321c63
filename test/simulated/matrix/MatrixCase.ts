/**
 * The status matrix of the simulated hypervisor (issue 3: unit tests per hypercall, success and each
 * status): for every handler, one case per status it declares plus SUCCESS. A case builds the situation
 * on a fresh machine and returns the answer of the call under test; the runner checks its status.
 * Cases common to every handler (an unknown partition, a finalized one, a reserved byte) are built
 * here from the call's layout; the tables in this directory hold the rest.
 */
import { encodeControl } from '../../../src/hv/ControlWord.js';
import { HV_MODIFY_SPA_PAGE_HOST_ACCESS } from '../../../src/hv/flags/HvMapGpaFlag.js';
import { HV_STATS_OBJECT } from '../../../src/hv/flags/HvStats.js';
import type { HypercallDef } from '../../../src/hv/Hypercall.js';
import { FinalizePartition } from '../../../src/hv/hypercalls/index.js';
import { decodeStatus } from '../../../src/hv/StatusWord.js';
import type { HvPage } from '../../../src/ports/HvPage.js';
import type { Handler } from '../../../adapters/simulated/handlers/Handler.js';
import { HANDLERS } from '../../../adapters/simulated/handlers/index.js';
import type { MachineConfig } from '../../../adapters/simulated/MachineConfig.js';
import { type Answer, Caller, smallMachine } from '../harness.js';

/** Build the situation on `c`'s machine and return the answer of the call under test. */
export type Case = (c: Caller) => Answer;

/** Cases by hypercall name, then by HV_STATUS name (without prefix) or SUCCESS. */
export type CaseTable = Readonly<Record<string, Readonly<Record<string, Case>>>>;

/** A case that needs a machine configured differently from smallMachine(). */
export const configured = (config: Partial<MachineConfig>, run: Case): Case => Object.assign(run, { config });

export const configOf = (c: Case): Partial<MachineConfig> =>
  (c as Case & { config?: Partial<MachineConfig> }).config ?? {};

/** Field values a call needs to get past its own checks to the partition lookup. */
const OVERRIDES: Readonly<Record<string, Record<string, unknown>>> = {
  MAP_STATS_PAGE: { type: HV_STATS_OBJECT.VP },
  UNMAP_STATS_PAGE: { type: HV_STATS_OBJECT.VP },
  MAP_STATS_PAGE2: { type: HV_STATS_OBJECT.VP },
  ACQUIRE_SPARSE_SPA_PAGE_HOST_ACCESS: { hostAccess: 3, flags: HV_MODIFY_SPA_PAGE_HOST_ACCESS.MAKE_SHARED },
  RELEASE_SPARSE_SPA_PAGE_HOST_ACCESS: { flags: HV_MODIFY_SPA_PAGE_HOST_ACCESS.MAKE_EXCLUSIVE },
  CREATE_PORT: { portId: 1, portInfoPortType: 4 },
  CONNECT_PORT: { connectionId: 1, portId: 1, connectionInfoPortType: 4 },
  DISCONNECT_PORT: { connectionId: 1 },
  DELETE_PORT: { portId: 1 },
  ASSERT_VIRTUAL_INTERRUPT: { vector: 0x30 },
  GET_PARTITION_PROPERTY: { propertyCode: 0x00030003 },
  GET_PARTITION_PROPERTY_EX: { propertyCode: 0x00030003 },
  SET_PARTITION_PROPERTY: { propertyCode: 0x00030003 },
};

/** Every named input field zero, every partition-id field `partitionId`, the call's overrides, then `over`. */
export function valuesFor(def: HypercallDef, partitionId: bigint, over: Record<string, unknown> = {}) {
  const values: Record<string, unknown> = {};
  for (const f of def.input?.fields ?? []) {
    if (f.kind === 'reserved') continue;
    values[f.name] = f.name.endsWith('artitionId')
      ? partitionId
      : f.kind === 'u64'
        ? 0n
        : f.kind === 'bytes'
          ? new Uint8Array(f.size)
          : 0;
  }
  // Passthrough-only calls have no layout: the partition id is their first u64 (see issue()).
  if (def.input === undefined) values.partitionId = partitionId;
  return { ...values, ...OVERRIDES[def.name], ...over };
}

export interface IssueOptions {
  readonly repCount?: number;
  readonly varHeadQwords?: number;
  readonly list?: (page: HvPage, offset: number) => void;
  /** Bytes to set after encoding (reserved bytes the encoder zeroes). */
  readonly poke?: readonly (readonly [offset: number, value: number])[];
}

/**
 * Issue `def` with `values` on CPU 0: memory calls through the input page, fast calls in registers.
 * Passthrough-only calls (no layout) get the partition id as their first u64.
 */
export function issue(
  c: Caller,
  def: HypercallDef,
  values: Record<string, unknown>,
  o: IssueOptions = {},
): Answer {
  if (def.kind === 'fast8' || def.kind === 'fast16') {
    const buf = new DataView(new ArrayBuffer(16));
    def.input?.encode(values, buf);
    for (const [at, v] of o.poke ?? []) buf.setUint8(at, v);
    c.machine.runOn(c.cpu);
    const control = encodeControl({ code: def.code, fast: true });
    const hv = c.machine.hypervisor;
    const word =
      def.kind === 'fast16'
        ? hv.fastHypercall16(control, buf.getBigUint64(0, true), buf.getBigUint64(8, true))
        : hv.fastHypercall8(control, buf.getBigUint64(0, true));
    const s = decodeStatus(word);
    return { status: s.result, reps: s.repsCompleted, word, output: c.output };
  }
  if (def.input === undefined) {
    const id = values.partitionId;
    return c.call(
      def,
      {},
      {
        list: (p) => {
          p.view.setBigUint64(0, typeof id === 'bigint' ? id : 0n, true);
        },
      },
    );
  }
  return c.call(def, values, {
    ...(o.repCount === undefined ? {} : { repCount: o.repCount }),
    ...(o.varHeadQwords === undefined ? {} : { varHeadQwords: o.varHeadQwords }),
    list: (page, at) => {
      o.list?.(page, at);
      for (const [off, v] of o.poke ?? []) page.view.setUint8(off, v);
    },
  });
}

/** A ready (created + initialized) partition with VP 0, and its id. */
export function readyVp(c: Caller, flags?: bigint, isolation?: bigint): bigint {
  const id = c.readyPartition(flags, isolation);
  const a = c.createVp(id, 0);
  if (a.status !== 0) throw new Error(`CREATE_VP: 0x${a.status.toString(16)}`);
  return id;
}

export const handlerNamed = (name: string): Handler => {
  const h = HANDLERS.find((x) => x.def.name === name);
  if (h === undefined) throw new Error(`no handler ${name}`);
  return h;
};

/** The first byte the dispatcher must find zero: a reserved range, or a bit a scalar's reservedMask covers. */
export function reservedPoke(def: HypercallDef): [number, number] | undefined {
  const l = def.input;
  if (l === undefined) return undefined;
  const r = l.reservedRanges[0];
  if (r !== undefined) return [r.offset, 0x01];
  for (const f of l.fields) {
    if (f.kind === 'bytes' || f.kind === 'reserved' || f.reservedMask === undefined) continue;
    for (let b = 0; b < 64; b++)
      if (((f.reservedMask >> BigInt(b)) & 1n) === 1n) return [f.offset + (b >> 3), 1 << (b & 7)];
  }
  return undefined;
}

/** Cases every handler gets from its declaration and layout; a table may replace any of them. */
export function commonCases(h: Handler): Record<string, Case> {
  const def = h.def;
  const out: Record<string, Case> = {};
  const rep = h.kind === 'rep' ? { repCount: 1 } : {};
  if (h.statuses.includes(0x0d)) {
    out.INVALID_PARTITION_ID = (c) => {
      c.readyPartition();
      return issue(c, def, valuesFor(def, 0xdead_beefn), rep);
    };
  }
  if (h.statuses.includes(0x07)) {
    out.INVALID_PARTITION_STATE = (c) => {
      const id = readyVp(c);
      c.fast(FinalizePartition, { partitionId: id });
      return issue(c, def, valuesFor(def, id), rep);
    };
  }
  const poke = reservedPoke(def);
  if (h.statuses.includes(0x05) && poke !== undefined) {
    out.INVALID_PARAMETER = (c) => issue(c, def, valuesFor(def, readyVp(c)), { ...rep, poke: [poke] });
  }
  return out;
}

/** A fresh harness for one case. */
export function callerFor(run: Case): Caller {
  return new Caller(smallMachine(configOf(run)));
}
