import type { StructLayout } from '../../../src/hv/Layout.js';
import { SCALAR_SIZE } from '../../../src/hv/Layout.js';
import type { FactsField, FactsStruct } from './facts.js';

/** A field the facts say the layout must name, with where it lies. */
interface Expected {
  readonly offset: number;
  readonly size: number;
  readonly reservedMask: bigint | undefined;
}

/**
 * Facts unions the layouts model by one variant (facts give the variant as its own struct):
 * `<struct>.<field>` → the variant's facts struct.
 */
export const UNION_VARIANTS: Readonly<Record<string, string>> = {
  'hv_input_map_stats_page.identity': 'hv_stats_object_identity.vp',
  'hv_input_map_stats_page2.identity': 'hv_stats_object_identity.vp',
};

/** `port_info.doorbell.target_sint` → `portInfoDoorbellTargetSint`. */
export function camelPath(path: string): string {
  return path
    .split(/[._]/)
    .filter((s) => s !== '')
    .map((s, i) => (i === 0 ? s : s.charAt(0).toUpperCase() + s.slice(1)))
    .join('');
}

/** `flags(map_location_provided:1)` → `flags`, `is_doorbell:1|reserved:31` → `is_doorbell`. */
const baseName = (name: string): string => name.split(/[(:|]/)[0] ?? name;

const isReservedName = (name: string): boolean =>
  /^(padding|reserved|rsvd)/.test(baseName(name).split('.').pop() ?? '');

/** The bits a bit-field spelling leaves reserved: `host_access:2|reserved:30` in a u32 → 0xfffffffc. */
function reservedMaskOf(f: FactsField): bigint | undefined {
  const specs = [...f.name.matchAll(/(\w+):(\d+)/g)].map((m) => ({ name: m[1] ?? '', width: Number(m[2]) }));
  if (specs.length === 0) return undefined;
  const used = specs.filter((s) => !isReservedName(s.name)).reduce((a, s) => a + s.width, 0);
  const all = (1n << BigInt(f.size * 8)) - 1n;
  return all & ~((1n << BigInt(used)) - 1n);
}

/** Walk a facts struct (recursing into nested hv_structs and modelled union variants). */
function walk(
  structs: Readonly<Record<string, FactsStruct>>,
  structName: string,
  base: number,
  prefix: string,
  out: { named: Map<string, Expected>; arrays: Map<string, Expected[]>; reservedBytes: Set<number> },
): void {
  const s = structs[structName];
  if (s === undefined) throw new Error(`facts have no struct ${structName}`);
  for (const f of s.fields) {
    const at = base + f.offset;
    if (isReservedName(f.name)) {
      for (let i = 0; i < f.size; i++) out.reservedBytes.add(at + i);
      continue;
    }
    const path = prefix + baseName(f.name);
    const nested = UNION_VARIANTS[`${structName}.${f.name}`] ?? (f.type in structs ? f.type : undefined);
    if (nested !== undefined) {
      walk(structs, nested, at, `${path}.`, out);
      continue;
    }
    const whole: Expected = { offset: at, size: f.size, reservedMask: reservedMaskOf(f) };
    out.named.set(camelPath(path), whole);
    const array = /^(u8|u16|u32|u64)\[(\d+)\]$/.exec(f.type);
    if (array !== null) {
      const elem = SCALAR_SIZE[array[1] as keyof typeof SCALAR_SIZE];
      const items = Array.from({ length: Number(array[2]) }, (_, i) => ({
        offset: at + i * elem,
        size: elem,
        reservedMask: undefined,
      }));
      out.arrays.set(camelPath(path), items);
    }
  }
}

const sizeOf = (f: StructLayout['fields'][number]): number =>
  f.kind === 'bytes' || f.kind === 'reserved' ? f.size : SCALAR_SIZE[f.kind];

/**
 * Every way `layout` differs from the facts struct of the same name: size, each named field's offset,
 * size and reserved bits, reserved bytes that the layout names, and layout fields the facts lack.
 * Empty when they agree. A facts array such as `u64[2]` may be one field or `<name>0`, `<name>1`.
 */
export function layoutMismatches(
  structs: Readonly<Record<string, FactsStruct>>,
  layout: StructLayout,
): string[] {
  const facts = structs[layout.name];
  if (facts === undefined) return [`facts have no struct ${layout.name}`];
  const out: string[] = [];
  if (facts.size !== layout.size) out.push(`size ${layout.size}, facts ${facts.size}`);
  const want = {
    named: new Map<string, Expected>(),
    arrays: new Map<string, Expected[]>(),
    reservedBytes: new Set<number>(),
  };
  walk(structs, layout.name, 0, '', want);
  const fields = new Map(layout.fields.filter((f) => f.kind !== 'reserved').map((f) => [f.name, f]));
  const known = new Set<string>();
  const check = (name: string, e: Expected): void => {
    const f = fields.get(name);
    known.add(name);
    if (f === undefined) return void out.push(`${name}: missing`);
    if (f.offset !== e.offset) out.push(`${name}: offset ${f.offset}, facts ${e.offset}`);
    if (sizeOf(f) !== e.size) out.push(`${name}: size ${sizeOf(f)}, facts ${e.size}`);
    const mask = f.kind === 'bytes' ? undefined : f.reservedMask;
    if (mask !== e.reservedMask)
      out.push(`${name}: reservedMask ${String(mask)}, facts ${String(e.reservedMask)}`);
  };
  for (const [name, e] of want.named) {
    const items = want.arrays.get(name);
    if (items !== undefined && !fields.has(name))
      items.forEach((item, i) => {
        check(`${name}${i}`, item);
      });
    else check(name, e);
  }
  for (const name of fields.keys()) if (!known.has(name)) out.push(`${name}: not in facts`);
  const inReserved = (i: number): boolean =>
    layout.reservedRanges.some((r) => i >= r.offset && i < r.offset + r.size);
  for (const i of want.reservedBytes)
    if (!inReserved(i)) out.push(`byte ${i}: reserved in facts, named in layout`);
  return out;
}
