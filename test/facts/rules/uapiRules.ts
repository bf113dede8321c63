/**
 * Facts rules for the uapi (inventory §a): the ioctl encoding, every ioctl, the overlaps of the 0xB8
 * space and every uapi struct, checked against src/hv/uapi.
 */
import { expect } from 'vitest';
import { SCALAR_SIZE, type StructLayout } from '../../../src/hv/Layout.js';
import { FOREIGN_IOCTLS } from '../../../src/hv/uapi/ForeignIoctl.js';
import {
  decodeIocRequest,
  formatRequest,
  IOC_DIR,
  IOC_SIZE_MAX,
  MSHV_IOCTL,
} from '../../../src/hv/uapi/ioctl.js';
import type { IocMacro } from '../../../src/hv/uapi/ioctl.js';
import {
  IOCTL_FD_LABEL,
  type IoctlDef,
  type IoctlFd,
  lookupIoctl,
  MSHV_IOCTLS,
} from '../../../src/hv/uapi/MshvIoctl.js';
import { MshvCreatePartitionV2 } from '../../../src/hv/uapi/structs/MshvCreatePartition.js';
import {
  MshvUserIrqEntry,
  MshvUserIrqTable,
  mshvUserIrqTableBytes,
} from '../../../src/hv/uapi/structs/MshvUserIrqTable.js';
import { MshvUserIoeventfd } from '../../../src/hv/uapi/structs/MshvUserIoeventfd.js';
import { MshvUserIrqfd } from '../../../src/hv/uapi/structs/MshvUserIrqfd.js';
import { UAPI_S32_FIELDS } from '../../../src/hv/uapi/structs/s32.js';
import { UAPI_STRUCTS } from '../../../src/hv/uapi/structs/uapiStructs.js';
import { ioeventfdFields, irqfdFields } from '../../../src/pipeline/driver/uapiFields.js';
import { camel } from '../../hv/uapi/loadFacts.js';
import {
  big,
  evalExpr,
  type FactLeaf,
  type FactRule,
  keyOf,
  num,
  segment,
  sibling,
  str,
} from '../FactRule.js';

const defsNamed = (name: unknown): IoctlDef[] => MSHV_IOCTLS.filter((d) => d.name === name);

function defOf(leaf: FactLeaf): IoctlDef {
  const [d] = defsNamed(sibling(leaf, 'name'));
  if (d === undefined) throw new Error(`no ioctl ${String(sibling(leaf, 'name'))}`);
  return d;
}

/** How the facts spell an fd kind → the code's fd kind. */
const FD_TEXT: Readonly<Record<string, IoctlFd>> = {
  '/dev/mshv': 'dev-mshv',
  partition: 'partition',
  vp: 'vp',
  'mshv_vtl device': 'vtl-device',
  'vtl fd': 'vtl',
  mshv_hvcall: 'mshv-hvcall',
  mshv_sint: 'mshv-sint',
};

const FD_BY_LABEL = new Map(Object.entries(IOCTL_FD_LABEL).map(([fd, label]) => [label, fd as IoctlFd]));

/** The layout spans (named fields and reserved ranges) a uapi struct has. */
function spansOf(l: StructLayout): { name: string; offset: number; size: number; kind: string }[] {
  return [
    ...l.fields
      .filter((f) => f.kind !== 'reserved')
      .map((f) => ({
        name: f.name,
        offset: f.offset,
        size: f.kind === 'bytes' ? f.size : SCALAR_SIZE[f.kind],
        kind: f.kind,
      })),
    ...l.reservedRanges.map((r) => ({ ...r, kind: 'reserved' })),
  ];
}

/** The field record of a `structs.S.fields[i].x` leaf, with its layout. */
function fieldOf(leaf: FactLeaf): {
  layout: StructLayout;
  f: { name: string; type: string; offset: number; size: number };
} {
  const layout = UAPI_STRUCTS.get(String(segment(leaf, 3)));
  if (layout === undefined) throw new Error(`no layout for ${String(segment(leaf, 3))}`);
  const p = leaf.parent as unknown as { name: string; type: string; offset: number; size: number };
  return { layout, f: { ...p, [leaf.key]: leaf.value } };
}

/** Element size and count of a C type: `__u64` → [8, 1], `__u8[7]` → [1, 7], `char` → [1, 1]. */
function cType(type: string): { elem: number; count: number; signed: boolean } {
  const m = /^(__u8|__u16|__u32|__u64|__s32|char)(?:\[(\d+)\])?$/.exec(type);
  if (m === null) throw new Error(`'${type}' is not a C scalar or scalar array`);
  const elem = { __u8: 1, __u16: 2, __u32: 4, __u64: 8, __s32: 4, char: 1 }[m[1] as '__u8'];
  return { elem, count: Number(m[2] ?? 1), signed: m[1] === '__s32' };
}

/** The spans that stand for one facts field: itself (any `a|b` spelling) or `name0..n-1` for an array. */
function spansFor(layout: StructLayout, f: { name: string; type: string; offset: number; size: number }) {
  const spans = spansOf(layout);
  for (const alt of f.name.split('|').map(camel)) {
    const whole = spans.find((s) => s.name === alt);
    if (whole !== undefined) return [whole];
    const parts = spans.filter((s) => new RegExp(`^${alt}\\d+$`).test(s.name));
    if (parts.length > 0) return parts.sort((a, b) => a.offset - b.offset);
  }
  return [];
}

/** The structs a DevicePort caller fills field by field: how each is encoded, with one field set to `v`. */
const DEVICE_PORT_ENCODERS: Readonly<Record<string, (field: string, v: number) => void>> = {
  mshv_user_irqfd: (field, v) => {
    const arg = { fd: 3, resamplefd: 4, gsi: 5, flags: 0, [field]: v };
    MshvUserIrqfd.encode(irqfdFields(arg), new DataView(new ArrayBuffer(MshvUserIrqfd.size)));
  },
  mshv_user_ioeventfd: (field, v) => {
    const arg = { datamatch: 0n, addr: 0x1000n, len: 4, fd: 3, flags: 0, [field]: v };
    MshvUserIoeventfd.encode(ioeventfdFields(arg), new DataView(new ArrayBuffer(MshvUserIoeventfd.size)));
  },
};

/**
 * Whether the code holds a 32-bit uapi field as `__s32`: UAPI_S32_FIELDS says so, and where a
 * DevicePort caller fills the struct, its encoder agrees (it takes -1 exactly for those fields).
 */
function signedInCode(struct: string, field: string): boolean {
  const declared = UAPI_S32_FIELDS[struct]?.includes(field) ?? false;
  const encode = DEVICE_PORT_ENCODERS[struct];
  if (encode !== undefined) {
    let takesMinusOne = true;
    try {
      encode(field, -1);
    } catch {
      takesMinusOne = false;
    }
    expect(takesMinusOne, `${struct}.${field}: the DevicePort encoder takes -1`).toBe(declared);
  }
  return declared;
}

export const uapiRules: readonly FactRule[] = [
  {
    path: 'ioctl_encoding.formula',
    by: 'src/hv/uapi/ioctl.ts ioc(): every MSHV_IOCTLS request equals the formula',
    check: (leaf) => {
      for (const d of MSHV_IOCTLS) {
        const vars = {
          dir: BigInt(IOC_DIR[d.macro]),
          size: BigInt(d.arg?.size ?? 0),
          type: BigInt(d.type),
          nr: BigInt(d.nr),
        };
        expect(evalExpr(str(leaf), vars), d.name).toBe(BigInt(d.request));
      }
    },
  },
  {
    path: 'ioctl_encoding.dir.*',
    by: 'src/hv/uapi/ioctl.ts IOC_DIR',
    check: (leaf) => {
      expect(IOC_DIR[keyOf(leaf) as IocMacro]).toBe(num(leaf));
    },
  },
  {
    path: 'ioctl_encoding.type',
    by: 'src/hv/uapi/ioctl.ts MSHV_IOCTL',
    check: (leaf) => {
      expect(MSHV_IOCTL).toBe(num(leaf));
    },
  },
  {
    path: 'ioctl_encoding.type_hex',
    by: 'src/hv/uapi/ioctl.ts MSHV_IOCTL',
    check: (leaf) => {
      expect(big(str(leaf))).toBe(BigInt(MSHV_IOCTL));
    },
  },
  {
    path: 'ioctl_encoding.size_bits',
    by: 'src/hv/uapi/ioctl.ts IOC_SIZE_MAX, decodeIocRequest',
    check: (leaf) => {
      const m = /^(\d+)-(\d+) \((\d+) bits\)$/.exec(str(leaf));
      expect(m).not.toBeNull();
      const [lo, hi, width] = [Number(m?.[1]), Number(m?.[2]), Number(m?.[3])];
      expect(hi - lo + 1).toBe(width);
      expect(IOC_SIZE_MAX).toBe(2 ** width - 1);
      expect(decodeIocRequest(IOC_SIZE_MAX * 2 ** lo).size).toBe(IOC_SIZE_MAX);
      expect(decodeIocRequest(2 ** (hi + 1)).size).toBe(0);
    },
  },
  {
    path: 'ioctl_encoding.dir_bits',
    by: 'src/hv/uapi/ioctl.ts decodeIocRequest',
    check: (leaf) => {
      const m = /^(\d+)-(\d+)$/.exec(str(leaf));
      expect(m).not.toBeNull();
      const lo = Number(m?.[1]);
      expect(Number(m?.[2])).toBe(31);
      expect(decodeIocRequest(2 ** lo).dir).toBe(1);
      expect(decodeIocRequest(3 * 2 ** lo).dir).toBe(3);
      expect(decodeIocRequest(2 ** lo - 1).dir).toBe(0);
    },
  },
  {
    path: 'ioctls[*].name',
    by: 'src/hv/uapi/MshvIoctl.ts MSHV_IOCTLS',
    check: (leaf) => {
      expect(defsNamed(leaf.value).length).toBeGreaterThan(0);
    },
  },
  {
    path: 'ioctls[*].driver',
    by: 'MSHV_IOCTLS[].driver',
    check: (leaf) => {
      for (const d of defsNamed(sibling(leaf, 'name'))) expect(d.driver).toBe(leaf.value);
    },
  },
  {
    path: 'ioctls[*].fd',
    by: 'MSHV_IOCTLS[].fd and .since (one entry per fd kind)',
    check: (leaf) => {
      const defs = defsNamed(sibling(leaf, 'name'));
      const kinds = str(leaf)
        .split('|')
        .map((part) => {
          const m = /^([^(]+?)(?:\((NEW)[^)]*\))?$/.exec(part);
          const fd = FD_TEXT[m?.[1] ?? ''];
          if (fd === undefined) throw new Error(`unknown fd '${part}'`);
          expect(defs.find((d) => d.fd === fd)?.since, part).toBe(m?.[2]);
          return fd;
        });
      expect(defs.map((d) => d.fd).sort()).toEqual(kinds.sort());
    },
  },
  {
    path: 'ioctls[*].macro',
    by: 'MSHV_IOCTLS[].macro',
    check: (leaf) => {
      expect(defOf(leaf).macro).toBe(leaf.value);
    },
  },
  {
    path: 'ioctls[*].dir',
    by: 'IOC_DIR[MSHV_IOCTLS[].macro]',
    check: (leaf) => {
      expect(IOC_DIR[defOf(leaf).macro]).toBe(leaf.value);
    },
  },
  {
    path: 'ioctls[*].type',
    by: 'MSHV_IOCTLS[].type',
    check: (leaf) => {
      expect(defOf(leaf).type).toBe(leaf.value);
    },
  },
  {
    path: 'ioctls[*].nr',
    by: 'MSHV_IOCTLS[].nr',
    check: (leaf) => {
      expect(defOf(leaf).nr).toBe(leaf.value);
    },
  },
  {
    path: 'ioctls[*].arg',
    by: 'MSHV_IOCTLS[].arg.name',
    check: (leaf) => {
      const arg = defOf(leaf).arg;
      if (leaf.value === null) expect(arg).toBeUndefined();
      else expect(arg?.name).toBe(str(leaf).startsWith('mshv_') ? `struct ${str(leaf)}` : leaf.value);
    },
  },
  {
    path: 'ioctls[*].size',
    by: 'MSHV_IOCTLS[].arg.size (the struct layout size)',
    check: (leaf) => {
      expect(defOf(leaf).arg?.size ?? 0).toBe(leaf.value);
    },
  },
  {
    path: 'ioctls[*].request',
    by: 'MSHV_IOCTLS[].request (computed by ioc())',
    check: (leaf) => {
      expect(defOf(leaf).request).toBe(leaf.value);
    },
  },
  {
    path: 'ioctls[*].request_hex',
    by: 'formatRequest(MSHV_IOCTLS[].request)',
    check: (leaf) => {
      expect(formatRequest(defOf(leaf).request)).toBe(leaf.value);
    },
  },
  {
    path: 'ioctl_overlaps.identical_request[*][*]',
    by: 'lookupIoctl(): every ioctl sharing the request number',
    check: (leaf) => {
      const triple = leaf.parent as unknown as string[];
      if (leaf.key === 2) {
        expect(new Set(lookupIoctl(Number(big(str(leaf)))).map((d) => d.name)).size).toBeGreaterThan(1);
      } else {
        expect(lookupIoctl(Number(big(triple[2] ?? ''))).map((d) => d.name)).toContain(leaf.value);
      }
    },
  },
  {
    path: 'ioctl_overlaps.shared_by_design[*][*]',
    by: 'lookupIoctl(): one name on several fd kinds',
    check: (leaf) => {
      const triple = leaf.parent as unknown as string[];
      const defs = lookupIoctl(Number(big(leaf.key === 2 ? str(leaf) : (triple[2] ?? ''))));
      if (leaf.key === 0) expect(new Set(defs.map((d) => d.name))).toEqual(new Set([leaf.value]));
      if (leaf.key === 1)
        expect(defs.map((d) => d.fd).sort()).toEqual(
          str(leaf)
            .split(', ')
            .map((l) => FD_BY_LABEL.get(l))
            .sort(),
        );
      if (leaf.key === 2) expect(defs.length).toBeGreaterThan(1);
    },
  },
  {
    path: 'ioctl_overlaps.same_nr_different_request.*[*]',
    by: 'decodeIocRequest().nr of known ioctls',
    check: (leaf) => {
      const request = Number(big(str(leaf)));
      expect(decodeIocRequest(request).nr).toBe(Number(big(String(segment(leaf, 1)))));
      expect(lookupIoctl(request).length).toBeGreaterThan(0);
    },
  },
  {
    path: 'ioctl_overlaps.marvell_cn10k_dpi.*.nr',
    by: 'src/hv/uapi/ForeignIoctl.ts FOREIGN_IOCTLS',
    check: (leaf) => {
      expect(FOREIGN_IOCTLS.find((f) => f.name === segment(leaf, 1))?.nr).toBe(leaf.value);
    },
  },
  {
    path: 'ioctl_overlaps.marvell_cn10k_dpi.*.size',
    by: 'FOREIGN_IOCTLS[].arg.size',
    check: (leaf) => {
      expect(FOREIGN_IOCTLS.find((f) => f.name === segment(leaf, 1))?.arg.size).toBe(leaf.value);
    },
  },
  {
    path: 'ioctl_overlaps.marvell_cn10k_dpi.*.request_hex',
    by: 'FOREIGN_IOCTLS[].request',
    check: (leaf) => {
      const f = FOREIGN_IOCTLS.find((x) => x.name === segment(leaf, 1));
      expect(formatRequest(f?.request ?? -1)).toBe(leaf.value);
    },
  },
  {
    path: 'ioctl_overlaps.marvell_cn10k_dpi.collides_with_mshv_request',
    by: 'lookupIoctl() of every FOREIGN_IOCTLS request',
    check: (leaf) => {
      expect(FOREIGN_IOCTLS.some((f) => lookupIoctl(f.request).length > 0)).toBe(leaf.value);
    },
  },
  {
    path: 'structs.*.size',
    by: 'src/hv/uapi/structs UAPI_STRUCTS layout sizes',
    check: (leaf) => {
      expect(UAPI_STRUCTS.get(String(segment(leaf, 1)))?.size).toBe(leaf.value);
    },
  },
  {
    path: 'structs.*.packed',
    by: 'UAPI_STRUCTS layouts: naturally aligned fields (unpacked) or no implicit padding (packed)',
    insensitive:
      'none of these structs has padding to remove or a misaligned field, so __packed changes no offset',
    check: (leaf) => {
      const l = UAPI_STRUCTS.get(String(segment(leaf, 1)));
      for (const f of l?.fields ?? [])
        if (f.kind !== 'bytes' && f.kind !== 'reserved') expect(f.offset % SCALAR_SIZE[f.kind]).toBe(0);
    },
  },
  {
    path: 'structs.*.since',
    by: 'MshvCreatePartitionV2 and the MSHV_CREATE_PARTITION note (v2 is NEW only)',
    check: (leaf) => {
      expect(segment(leaf, 1)).toBe(MshvCreatePartitionV2.name);
      expect(leaf.value).toBe('NEW');
      expect(defsNamed('MSHV_CREATE_PARTITION')[0]?.note).toContain(`${str(leaf)})`);
    },
  },
  {
    path: 'structs.*.driver',
    by: 'MSHV_IOCTLS: the struct is the argument of an ioctl of that driver',
    check: (leaf) => {
      const users = MSHV_IOCTLS.filter((d) => d.arg?.layout?.name === segment(leaf, 1));
      expect(users.length).toBeGreaterThan(0);
      for (const d of users) expect(d.driver).toBe(leaf.value);
    },
  },
  {
    path: 'structs.mshv_user_irq_table.flexible_array',
    by: 'MshvUserIrqTable, MshvUserIrqEntry, mshvUserIrqTableBytes()',
    check: (leaf) => {
      const m = /^(\w+): (\w+)\[(\w+)\] at offset (\d+)$/.exec(str(leaf));
      expect(m?.[2]).toBe(MshvUserIrqEntry.name);
      expect(m?.[3]).toBe('nr');
      expect(MshvUserIrqTable.fields.some((f) => f.name === m?.[3])).toBe(true);
      expect(Number(m?.[4])).toBe(MshvUserIrqTable.size);
      expect(mshvUserIrqTableBytes(3)).toBe(Number(m?.[4]) + 3 * MshvUserIrqEntry.size);
    },
  },
  {
    path: 'structs.*.fields[*].name',
    by: 'UAPI_STRUCTS: a field (camelCase, or name0..n for an array) or a reserved range',
    check: (leaf) => {
      const { layout, f } = fieldOf(leaf);
      expect(spansFor(layout, f).length, `${layout.name}.${str(leaf)}`).toBeGreaterThan(0);
    },
  },
  {
    path: 'structs.*.fields[*].offset',
    by: 'UAPI_STRUCTS field offsets',
    check: (leaf) => {
      const { layout, f } = fieldOf(leaf);
      expect(spansFor(layout, f)[0]?.offset, `${layout.name}.${f.name}`).toBe(leaf.value);
    },
  },
  {
    path: 'structs.*.fields[*].size',
    by: 'UAPI_STRUCTS field sizes',
    check: (leaf) => {
      const { layout, f } = fieldOf(leaf);
      const total = spansFor(layout, f).reduce((a, s) => a + s.size, 0);
      expect(total, `${layout.name}.${f.name}`).toBe(leaf.value);
    },
  },
  {
    path: 'structs.*.fields[*].type',
    by: 'UAPI_STRUCTS field kinds: scalar width, or an array as bytes / name0..n',
    check: (leaf) => {
      const { layout, f } = fieldOf(leaf);
      const t = cType(str(leaf));
      expect(t.elem * t.count).toBe(f.size);
      const spans = spansFor(layout, f);
      if (spans.length === 1 && spans[0]?.kind !== 'reserved' && spans[0]?.kind !== 'bytes' && t.count === 1)
        expect(SCALAR_SIZE[spans[0]?.kind as 'u8']).toBe(t.elem);
      if (spans.length > 1) for (const s of spans) expect(s.size).toBe(t.elem);
      // Signedness: a 32-bit scalar is `__s32` in the code exactly when the facts say so.
      const [span] = spans;
      if (spans.length === 1 && span?.kind === 'u32' && t.count === 1)
        expect(signedInCode(layout.name, span.name), `${layout.name}.${f.name} is __s32`).toBe(t.signed);
    },
  },
];
