import { describe, expect, it } from 'vitest';
import { Layout, reserved, u32, u64 } from '../../../src/hv/Layout.js';
import { allLayouts } from './allLayouts.js';
import { loadHypercallFacts } from './facts.js';
import { layoutMismatches } from './layoutFacts.js';

const facts = loadHypercallFacts();
const layouts = allLayouts();

/** Layouts with no facts struct: fast8 partition-id inputs and one-field outputs (checked in registry.test.ts). */
const NOT_IN_FACTS = [
  'hv_input_clear_virtual_interrupt',
  'hv_input_delete_partition',
  'hv_input_finalize_partition',
  'hv_input_initialize_partition',
  'hv_output_get_partition_property',
  'hv_output_get_system_property',
  'hv_output_map_stats_page',
];

/** Facts structs that are messages or rings, not hypercall arguments. */
const NOT_HYPERCALL_ARGS = [
  'hv_async_completion_message_payload',
  'hv_message',
  'hv_message_header',
  'hv_synic_event_ring',
];

describe('hypercall layouts vs facts hv_structs (inventory §b.4)', () => {
  it.each(layouts.filter((l) => l.name in facts.hv_structs).map((l) => [l.name, l] as const))(
    '%s matches its facts struct: size, every field offset and size, reserved bytes',
    (_name, layout) => {
      expect(layoutMismatches(facts.hv_structs, layout)).toEqual([]);
    },
  );

  it('models every hypercall-argument struct in the facts, and only the known extras lack one', () => {
    const names = new Set(layouts.map((l) => l.name));
    const unmodelled = Object.keys(facts.hv_structs).filter((n) => !names.has(n));
    expect(unmodelled.sort()).toEqual(NOT_HYPERCALL_ARGS);
    expect([...names].filter((n) => !(n in facts.hv_structs)).sort()).toEqual(NOT_IN_FACTS);
  });

  it('the checker catches a field at the wrong offset and a reserved byte given a name', () => {
    const wrong = new Layout('hv_input_delete_port', 16, [
      u64('portPartitionId', 0),
      u32('portId', 12),
      reserved('reserved', 8, 4),
    ] as const);
    expect(layoutMismatches(facts.hv_structs, wrong)).toEqual([
      'portId: offset 12, facts 8',
      'byte 12: reserved in facts, named in layout',
      'byte 13: reserved in facts, named in layout',
      'byte 14: reserved in facts, named in layout',
      'byte 15: reserved in facts, named in layout',
    ]);
  });

  it('the checker catches a missing reservedMask on a bit-field word (is_doorbell:1)', () => {
    const loose = new Layout('hv_input_disconnect_port', 16, [
      u64('connectionPartitionId', 0),
      u32('connectionId', 8),
      u32('isDoorbell', 12),
    ] as const);
    expect(layoutMismatches(facts.hv_structs, loose)).toEqual([
      'isDoorbell: reservedMask undefined, facts 4294967294',
    ]);
  });
});
