/**
 * Facts rules for the hypervisor structs (inventory §b.4, §c.8, §c.11): every hypercall argument
 * struct against its src/hv/hypercalls layout (through layoutMismatches, with the one leaf under test
 * substituted), and the messages and event ring, which the code reads and writes by offset, against
 * the simulated hypervisor's writers and the driver's reader.
 */
import { expect } from 'vitest';
import { SCALAR_SIZE, type StructLayout } from '../../../src/hv/Layout.js';
import { HYPERCALL_DEFS } from '../../../src/hv/hypercalls/index.js';
import type { HypercallDef } from '../../../src/hv/Hypercall.js';
import { EVENT_RING_SLOTS } from '../../../src/hv/HvSynicEventRing.js';
import {
  HV_MESSAGE_PAYLOAD_BYTES,
  HV_MESSAGE_PAYLOAD_OFFSET,
  hvMessage,
} from '../../../src/pipeline/driver/hvMessage.js';
import { Synic } from '../../../adapters/simulated/host/Synic.js';
import {
  asyncCompletionMessage,
  buildMessage,
  HV_MESSAGE_HEADER_SIZE,
  HV_MESSAGE_PAYLOAD_SIZE,
  HV_MESSAGE_SIZE,
  MSG_PENDING,
} from '../../../adapters/simulated/model/Messages.js';
import { allLayouts } from '../../hv/hypercalls/allLayouts.js';
import type { FactsStruct } from '../../hv/hypercalls/facts.js';
import { camelPath, layoutMismatches } from '../../hv/hypercalls/layoutFacts.js';
import { type FactLeaf, type FactRule, loadFactsDocument, num, str } from '../FactRule.js';

const HV_STRUCTS = loadFactsDocument().hv_structs as Readonly<Record<string, FactsStruct>>;
const LAYOUTS = new Map(allLayouts().map((l) => [l.name, l]));

/** The hv struct a leaf belongs to: the key right under `hv_structs` (it may contain a dot). */
function structName(leaf: FactLeaf): string {
  const name = leaf.path[1];
  if (typeof name !== 'string') throw new Error('not an hv_structs leaf');
  return name;
}

/** The facts with the leaf under test substituted (a perturbed value shows up as a mismatch). */
function substituted(leaf: FactLeaf): Readonly<Record<string, FactsStruct>> {
  const name = structName(leaf);
  const s = HV_STRUCTS[name];
  if (s === undefined) throw new Error(`no struct ${name}`);
  if (leaf.path[2] !== 'fields') return { ...HV_STRUCTS, [name]: { ...s, [leaf.key]: leaf.value } };
  const i = Number(leaf.path[3]);
  const fields = s.fields.map((f, k) => (k === i ? { ...f, [leaf.key]: leaf.value } : f));
  return { ...HV_STRUCTS, [name]: { ...s, fields } };
}

/**
 * The facts fields of a (packed) hv struct tile it: each starts where the previous ends and the last
 * ends at the size. With every named field's offset checked against the layout, this pins the
 * reserved fields, whose bytes the layout only knows as reserved.
 */
function expectTiled(structs: Readonly<Record<string, FactsStruct>>, name: string): void {
  const s = structs[name];
  let at = 0;
  for (const f of s?.fields ?? []) {
    expect(f.offset, `${name}.${f.name} offset`).toBe(at);
    at = f.offset + f.size;
  }
  expect(at, `${name}: fields end at the struct size`).toBe(s?.size);
}

function layoutOf(leaf: FactLeaf): StructLayout {
  const l = LAYOUTS.get(structName(leaf));
  if (l === undefined) throw new Error(`no layout for ${structName(leaf)}`);
  return l;
}

/** The definition whose fixed input is this struct. */
function defWithInput(name: string): HypercallDef {
  const d = HYPERCALL_DEFS.find((x) => x.input?.name === name);
  if (d === undefined) throw new Error(`no hypercall takes ${name}`);
  return d;
}

/** Size of an element type named in a `list` / `output` text: u8…u64 or an hv struct. */
function elementSize(type: string): number {
  const scalar = SCALAR_SIZE[type as 'u8'] as number | undefined;
  if (scalar !== undefined) return scalar;
  const s = HV_STRUCTS[type];
  if (s === undefined) throw new Error(`'${type}' is neither a scalar nor an hv struct`);
  return s.size;
}

/** Byte size a facts type spelling stands for: u32, u8[3], struct(8), union …(16), X[4] (40 each), an hv struct. */
function typeBytes(type: string): number {
  const arr = /^(u8|u16|u32|u64)\[(\d+)\]$/.exec(type);
  if (arr !== null) return elementSize(arr[1] ?? '') * Number(arr[2]);
  const sized = /^(?:struct|union(?: \w+)?)\((\d+)\)$/.exec(type);
  if (sized !== null) return Number(sized[1]);
  const each = /^(\w+)\[(\d+)\] \((\d+) each\)$/.exec(type);
  if (each !== null) return Number(each[2]) * Number(each[3]);
  return elementSize(type);
}

/** Base name of a facts field spelling: `flags(map_location_provided:1)` → `flags`, `sender|port` → `sender`. */
const baseName = (name: string): string => name.split(/[(:|]/)[0] ?? name;

// ---- the four structs the code handles by offset: one check per facts field name ----

type FieldCheck = (offset: number, size: number) => void;

const SENDER = 0x0123_4567_89ab_cdefn;

/** hv_message_header: the simulated hypervisor writes it (buildMessage), the driver's ISR reads it (hvMessage). */
const MESSAGE_HEADER: Readonly<Record<string, FieldCheck>> = {
  message_type: (offset, size) => {
    const m = buildMessage(0x8001_0004, SENDER, () => undefined, 0);
    expect(readLe(m, offset, size)).toBe(0x8001_0004n);
    expect(hvMessage(withLe(new Uint8Array(256), offset, size, 0x8000_0070n)).type).toBe(0x8000_0070);
  },
  payload_size: (offset, size) => {
    expect(
      readLe(
        buildMessage(1, SENDER, () => undefined, 77),
        offset,
        size,
      ),
    ).toBe(77n);
    expect(hvMessage(withLe(new Uint8Array(256), offset, size, 24n)).payloadSize).toBe(24);
  },
  'message_flags(msg_pending:1)': (offset, size) => {
    expect(size).toBe(1);
    expect(MSG_PENDING).toBe(1);
    expect(hvMessage(withLe(new Uint8Array(256), offset, size, 1n)).msgPending).toBe(true);
    // The simulated SynIC sets it on the slot when a second message queues behind the first.
    const synic = new Synic(1);
    synic.post(
      0,
      buildMessage(1, SENDER, () => undefined, 0),
    );
    synic.post(
      0,
      buildMessage(2, SENDER, () => undefined, 0),
    );
    expect(readLe(synic.slot(0), offset, size)).toBe(1n);
  },
  reserved: (offset, size) => {
    const m = buildMessage(0xffff_ffff, 0xffff_ffff_ffff_ffffn, () => undefined, 0xff);
    expect(readLe(m, offset, size)).toBe(0n);
    expect(offset + size).toBe(8);
  },
  'sender|port': (offset, size) => {
    expect(
      readLe(
        buildMessage(1, SENDER, () => undefined, 0),
        offset,
        size,
      ),
    ).toBe(SENDER);
    expect(hvMessage(withLe(new Uint8Array(256), offset, size, SENDER)).sender).toBe(SENDER);
  },
};

const MESSAGE: Readonly<Record<string, FieldCheck>> = {
  header: (offset, size) => {
    expect([offset, offset + size]).toEqual([0, HV_MESSAGE_HEADER_SIZE]);
    expect(HV_MESSAGE_PAYLOAD_OFFSET).toBe(offset + size);
  },
  payload: (offset, size) => {
    expect([offset, size]).toEqual([HV_MESSAGE_PAYLOAD_OFFSET, HV_MESSAGE_PAYLOAD_BYTES]);
    expect(size).toBe(HV_MESSAGE_PAYLOAD_SIZE);
    const m = buildMessage(
      1,
      0n,
      (p) => {
        p.setUint8(size - 1, 0xaa);
      },
      1,
    );
    expect(m[offset + size - 1]).toBe(0xaa);
  },
};

/** HVMSG_ASYNC_CALL_COMPLETION's payload as the simulated hypervisor writes it. */
const ASYNC_COMPLETION: Readonly<Record<string, FieldCheck>> = {
  partition_id: (offset, size) => {
    const m = asyncCompletionMessage(SENDER, 0x79, 3);
    expect(readLe(m, HV_MESSAGE_PAYLOAD_OFFSET + offset, size)).toBe(SENDER);
  },
  status: (offset, size) => {
    expect(readLe(asyncCompletionMessage(SENDER, 0x7, 3), HV_MESSAGE_PAYLOAD_OFFSET + offset, size)).toBe(7n);
  },
  completion_count: (offset, size) => {
    expect(readLe(asyncCompletionMessage(SENDER, 0x7, 3), HV_MESSAGE_PAYLOAD_OFFSET + offset, size)).toBe(3n);
  },
  sub_status: (offset, size) => {
    expect(readLe(asyncCompletionMessage(SENDER, 0x7, 3), HV_MESSAGE_PAYLOAD_OFFSET + offset, size)).toBe(0n);
    expect(offset + size).toBe(24);
  },
};

/** A SINT's event ring after `signals` doorbell signals on CPU 0 of the simulated SynIC. */
function ringAfter(signals: number): Uint8Array {
  const synic = new Synic(1);
  for (let i = 1; i <= signals; i++) synic.signalDoorbell(0, i);
  return synic.ring(0);
}

const EVENT_RING: Readonly<Record<string, FieldCheck>> = {
  signal_masked: (offset, size) => {
    // Clear on a fresh ring; the hypervisor masks the ring as it notifies (DECISIONS 9).
    expect(readLe(ringAfter(0), offset, size)).toBe(0n);
    expect(readLe(ringAfter(1), offset, size)).toBe(1n);
    expect(offset).toBe(0);
  },
  ring_full: (offset, size) => {
    expect(readLe(ringAfter(EVENT_RING_SLOTS), offset, size)).toBe(0n);
    expect(readLe(ringAfter(EVENT_RING_SLOTS + 1), offset, size)).toBe(1n);
  },
  reserved_z: (offset, size) => {
    expect(readLe(ringAfter(EVENT_RING_SLOTS + 1), offset, size)).toBe(0n);
    expect(offset + size).toBe(4);
  },
  data: (offset, size) => {
    expect(size).toBe(EVENT_RING_SLOTS * 4);
    const ring = ringAfter(EVENT_RING_SLOTS);
    expect(readLe(ring, offset, 4)).toBe(1n);
    expect(readLe(ring, offset + size - 4, 4)).toBe(BigInt(EVENT_RING_SLOTS));
  },
};

const BY_OFFSET: Readonly<Record<string, { size: number; fields: Readonly<Record<string, FieldCheck>> }>> = {
  hv_message_header: { size: HV_MESSAGE_HEADER_SIZE, fields: MESSAGE_HEADER },
  hv_message: { size: HV_MESSAGE_SIZE, fields: MESSAGE },
  hv_async_completion_message_payload: { size: 24, fields: ASYNC_COMPLETION },
  hv_synic_event_ring: { size: 4 + EVENT_RING_SLOTS * 4, fields: EVENT_RING },
};

function readLe(bytes: Uint8Array, offset: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[offset + i] ?? 0);
  return v;
}

function withLe(bytes: Uint8Array, offset: number, size: number, value: bigint): Uint8Array {
  for (let i = 0; i < size; i++) bytes[offset + i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return bytes;
}

/** Run the by-offset check of the field a leaf belongs to, with the leaf substituted. */
function checkByOffset(leaf: FactLeaf): void {
  const spec = BY_OFFSET[structName(leaf)];
  const s = substituted(leaf)[structName(leaf)];
  const f = s?.fields[Number(leaf.path[3])];
  if (spec === undefined || f === undefined) throw new Error(`no by-offset check for ${structName(leaf)}`);
  const check = spec.fields[f.name];
  if (check === undefined) throw new Error(`${structName(leaf)}.${f.name}: no such field in the code`);
  expect(typeBytes(f.type)).toBe(f.size);
  check(f.offset, f.size);
}

// ---- rules ----

function layoutRules(prefix: string): FactRule[] {
  return [
    {
      path: `${prefix}.size`,
      by: 'src/hv/hypercalls layouts (allLayouts) and the by-offset code of the message structs',
      check: (leaf) => {
        const byOffset = BY_OFFSET[structName(leaf)];
        if (byOffset !== undefined) expect(byOffset.size).toBe(num(leaf));
        else expect(layoutOf(leaf).size).toBe(num(leaf));
      },
    },
    {
      path: `${prefix}.fields[*].name`,
      by: 'layoutMismatches(layout) with the leaf substituted, fields tiling the struct; messages by offset',
      check: (leaf) => {
        expectTiled(substituted(leaf), structName(leaf));
        if (BY_OFFSET[structName(leaf)] !== undefined) checkByOffset(leaf);
        else expect(layoutMismatches(substituted(leaf), layoutOf(leaf))).toEqual([]);
      },
    },
    {
      path: `${prefix}.fields[*].offset`,
      by: 'layoutMismatches(layout) with the leaf substituted, fields tiling the struct; messages by offset',
      check: (leaf) => {
        expectTiled(substituted(leaf), structName(leaf));
        if (BY_OFFSET[structName(leaf)] !== undefined) checkByOffset(leaf);
        else expect(layoutMismatches(substituted(leaf), layoutOf(leaf))).toEqual([]);
      },
    },
    {
      path: `${prefix}.fields[*].size`,
      by: 'layoutMismatches(layout) with the leaf substituted, fields tiling the struct; messages by offset',
      check: (leaf) => {
        expectTiled(substituted(leaf), structName(leaf));
        if (BY_OFFSET[structName(leaf)] !== undefined) checkByOffset(leaf);
        else expect(layoutMismatches(substituted(leaf), layoutOf(leaf))).toEqual([]);
      },
    },
    {
      path: `${prefix}.fields[*].type`,
      by: 'the layout field kind (scalar width), array or nested struct size',
      check: (leaf) => {
        if (BY_OFFSET[structName(leaf)] !== undefined) {
          checkByOffset(leaf);
          return;
        }
        const s = substituted(leaf)[structName(leaf)];
        const f = s?.fields[Number(leaf.path[3])];
        if (f === undefined) throw new Error('no field');
        expect(typeBytes(str(leaf))).toBe(f.size);
        const field = layoutOf(leaf).fields.find((x) => x.name === camelPath(baseName(f.name)));
        if (
          /^u(8|16|32|64)$/.test(str(leaf)) &&
          field !== undefined &&
          field.kind !== 'bytes' &&
          field.kind !== 'reserved'
        )
          expect(field.kind).toBe(str(leaf));
      },
    },
  ];
}

export const hvStructRules: readonly FactRule[] = [
  ...layoutRules('hv_structs.*'),
  ...layoutRules('hv_structs.hv_stats_object_identity.vp'),
  {
    path: 'hv_structs.hv_input_create_partition.note',
    by: 'CreatePartitionInput: one disabledProcessorFeatures<i> u64 per feature bank',
    check: (leaf) => {
      const m = /^(\d+) feature banks, x86-64$/.exec(str(leaf));
      const banks = LAYOUTS.get('hv_input_create_partition')?.fields.filter((f) =>
        /^disabledProcessorFeatures\d$/.test(f.name),
      );
      expect(banks?.length).toBe(Number(m?.[1]));
    },
  },
  {
    path: 'hv_structs.*.list',
    by: "the hypercall definition's inputElement / varHeadElement (size, offset after the header)",
    check: (leaf) => {
      const m = /^(\w+) \w+\[\](?: or raw bytes)? at (\d+)( \(varhead\))?$/.exec(str(leaf));
      const d = defWithInput(structName(leaf));
      const element = m?.[3] === undefined ? d.inputElement : d.varHeadElement;
      expect(element?.size).toBe(elementSize(m?.[1] ?? ''));
      if (element?.layout !== undefined) expect(element.layout.name).toBe(m?.[1]);
      expect(d.input?.size).toBe(Number(m?.[2]));
    },
  },
  {
    path: 'hv_structs.*.output',
    by: "the hypercall definition's outputElement",
    check: (leaf) => {
      const m = /^(\w+) (?:\w+\[\]|per page)$/.exec(str(leaf));
      expect(defWithInput(structName(leaf)).outputElement?.size).toBe(elementSize(m?.[1] ?? ''));
    },
  },
  {
    path: 'hv_structs.*.fast',
    by: "the hypercall definition's kind (fast8 / fast16)",
    check: (leaf) => {
      expect(defWithInput(structName(leaf)).kind).toBe(`fast${str(leaf)}`);
    },
  },
];
