import { describe, expect, it } from 'vitest';
import type { HypercallDef } from '../../../src/hv/Hypercall.js';
import { HypercallCode, OtherHypercallCode } from '../../../src/hv/HypercallCode.js';
import { SCALAR_SIZE } from '../../../src/hv/Layout.js';
import { HYPERCALL_DEFS, hypercallDefByCode } from '../../../src/hv/hypercalls/index.js';
import { type FactsHypercall, loadHypercallFacts, stripPrefix } from './facts.js';
import { camelPath } from './layoutFacts.js';

const facts = loadHypercallFacts();
const rows = facts.hypercalls.map((h) => [stripPrefix(h.name, 'HVCALL_'), h] as const);
const defOf = (h: FactsHypercall): HypercallDef => {
  const d = hypercallDefByCode(h.code);
  if (d === undefined) throw new Error(`no def for ${h.name}`);
  return d;
};
const scalarSize = (t: string): number => SCALAR_SIZE[t as keyof typeof SCALAR_SIZE];

/** The facts kind spelled as the def says it: kind plus async / variable header. */
function factsKindOf(d: HypercallDef): string {
  if (d.async === true) return 'simple_async';
  if (d.varHeadElement !== undefined) return 'simple_varhead';
  return d.kind;
}

describe('hypercall registry vs facts `hypercalls` (inventory §b.4)', () => {
  it('holds exactly the 41 calls the driver issues, one def per code', () => {
    expect(HYPERCALL_DEFS).toHaveLength(41);
    expect(new Set(HYPERCALL_DEFS.map((d) => d.code)).size).toBe(41);
    expect(HYPERCALL_DEFS.map((d) => d.code).sort((a, b) => a - b)).toEqual(
      facts.hypercalls.map((h) => h.code),
    );
  });

  it.each(rows)('%s: code, name, kind (with async / varhead) and input size', (name, h) => {
    const d = defOf(h);
    expect(d.name).toBe(name);
    expect(d.code).toBe(HypercallCode[d.name]);
    expect(factsKindOf(d)).toBe(h.kind);
    expect(d.input?.size).toBe(h.input_size ?? undefined);
    if (h.input !== null && h.input in facts.hv_structs) expect(d.input?.name).toBe(h.input);
    if (h.input === 'partition_id')
      expect(d.input?.fields).toEqual([{ kind: 'u64', name: 'partitionId', offset: 0 }]);
  });

  it.each(rows.filter(([, h]) => h.input !== null && facts.hv_structs[h.input]?.list !== undefined))(
    '%s: the input list element and where it starts (facts `list`)',
    (_name, h) => {
      const d = defOf(h);
      const list = facts.hv_structs[h.input ?? '']?.list ?? '';
      const m = /^(\w+) \w+\[\].* at (\d+)/.exec(list);
      expect(m).not.toBeNull();
      const type = m?.[1] ?? '';
      const size = type in SCALAR_SIZE ? scalarSize(type) : facts.hv_structs[type]?.size;
      const element = list.includes('(varhead)') ? d.varHeadElement : d.inputElement;
      expect(element?.size).toBe(size);
      expect(d.input?.size).toBe(Number(m?.[2]));
      if (type in facts.hv_structs) expect(element?.layout?.name).toBe(type);
    },
  );

  it.each(rows)('%s: output as the facts describe it', (_name, h) => {
    const d = defOf(h);
    const out = h.output ?? '';
    const one = /^(\w+) (u8|u16|u32|u64)$/.exec(out);
    const struct = /^(hv_\w+) \((\d+)\)/.exec(out);
    const list = /^(u8|u64) (gpa list|per page)$/.exec(out) ?? /^(\d+)-byte values$/.exec(out);
    if (one !== null) {
      const field = d.output?.fields.find((f) => f.name === camelPath(one[1] ?? ''));
      expect(field).toMatchObject({ kind: one[2], offset: 0 });
      expect(d.output?.size).toBe(scalarSize(one[2] ?? ''));
    } else if (struct !== null) {
      expect(d.output).toMatchObject({ name: struct[1], size: Number(struct[2]) });
    } else if (list !== null) {
      const size = /^\d+$/.test(list[1] ?? '') ? Number(list[1]) : scalarSize(list[1] ?? '');
      expect(d.outputElement?.size).toBe(size);
      expect(d.output).toBeUndefined();
    } else {
      expect([null, 'property bytes']).toContain(h.output);
      expect(d.output).toBeUndefined();
      expect(d.outputElement).toBeUndefined();
    }
  });

  it('finds defs by code and answers undefined for header codes the driver never issues', () => {
    expect(hypercallDefByCode(0x004b)?.name).toBe('MAP_GPA_PAGES');
    for (const code of Object.values(OtherHypercallCode)) expect(hypercallDefByCode(code)).toBeUndefined();
    expect(hypercallDefByCode(0xffff)).toBeUndefined();
  });

  it('every passthrough allow-list code has a def; only SET_PARTITION_PROPERTY is async (inventory §b.4)', () => {
    const allow = (facts as unknown as { passthrough_allowlist: Record<string, number[]> })
      .passthrough_allowlist;
    for (const code of [...(allow.ORIG ?? []), ...(allow.NEW ?? [])])
      expect(hypercallDefByCode(code)).toBeDefined();
    expect(HYPERCALL_DEFS.filter((d) => d.async === true).map((d) => d.code)).toEqual(allow.async);
  });

  it('passthrough-only calls carry no layout; every other call has an input layout', () => {
    for (const d of HYPERCALL_DEFS) expect(d.input === undefined).toBe(d.kind === 'passthrough');
  });
});
