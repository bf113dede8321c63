import { describe, expect, it } from 'vitest';
import { type HypercallDef, traitsOf } from '../../../src/hv/Hypercall.js';
import {
  AcquireSparseSpaPageHostAccess,
  CREATE_VP_DEPOSIT_PAGES,
  DEPOSIT_MEMORY_REPS_MAX,
  DepositMemory,
  GET_GPA_ACCESS_STATES_REPS_MAX,
  GET_VP_REGISTERS_REPS_MAX,
  GetGpaPagesAccessStates,
  GetVpRegisters,
  GetVpState,
  HYPERCALL_DEFS,
  INIT_PARTITION_DEPOSIT_PAGES,
  MAP_GPA_DEPOSIT_PAGES,
  MAP_GPA_PAGES_REPS_MAX,
  MODIFY_SPA_HOST_ACCESS_REPS_MAX,
  MapGpaPages,
  ReleaseSparseSpaPageHostAccess,
  SET_VP_STATE_BYTES_MAX,
  SET_VP_REGISTERS_REPS_MAX,
  SetVpRegisters,
  SetVpState,
  UNMAP_GPA_PAGES_REPS_MAX,
  UnmapGpaPages,
  VP_STATE_PAGES_MAX,
  WITHDRAW_MEMORY_REPS_MAX,
  WithdrawMemory,
} from '../../../src/hv/hypercalls/index.js';
import { loadHypercallFacts } from './facts.js';

const facts = loadHypercallFacts();

/** facts `batch_sizes` key → the calls it bounds, the exported constant, and why (inventory §b.5). */
const BATCHES: Readonly<Record<string, { defs: HypercallDef[]; constant: number; bound: string }>> = {
  HV_MAP_GPA_BATCH_SIZE: { defs: [MapGpaPages], constant: MAP_GPA_PAGES_REPS_MAX, bound: 'input-page' },
  HV_UMAP_GPA_PAGES: {
    defs: [UnmapGpaPages],
    constant: UNMAP_GPA_PAGES_REPS_MAX,
    bound: 'interrupt-latency: bounds the IRQ-disabled window, not the page',
  },
  HV_WITHDRAW_BATCH_SIZE: {
    defs: [WithdrawMemory],
    constant: WITHDRAW_MEMORY_REPS_MAX,
    bound: 'output-page',
  },
  HV_DEPOSIT_MAX: { defs: [DepositMemory], constant: DEPOSIT_MEMORY_REPS_MAX, bound: 'input-page' },
  HV_GET_VP_STATE_BATCH_SIZE: { defs: [GetVpState], constant: VP_STATE_PAGES_MAX, bound: 'input-page' },
  HV_SET_VP_STATE_BATCH_SIZE: { defs: [SetVpState], constant: VP_STATE_PAGES_MAX, bound: 'input-page' },
  HV_GET_GPA_ACCESS_STATES_BATCH_SIZE: {
    defs: [GetGpaPagesAccessStates],
    constant: GET_GPA_ACCESS_STATES_REPS_MAX,
    bound: 'rep-count-field',
  },
  HV_MODIFY_SPARSE_SPA_PAGE_HOST_ACCESS_MAX_PAGE_COUNT: {
    defs: [AcquireSparseSpaPageHostAccess, ReleaseSparseSpaPageHostAccess],
    constant: MODIFY_SPA_HOST_ACCESS_REPS_MAX,
    bound: 'input-page',
  },
  HV_GET_REGISTER_BATCH_SIZE: {
    defs: [GetVpRegisters],
    constant: GET_VP_REGISTERS_REPS_MAX,
    bound: 'output-page',
  },
  HV_SET_REGISTER_BATCH_SIZE: {
    defs: [SetVpRegisters],
    constant: SET_VP_REGISTERS_REPS_MAX,
    bound: 'input-page',
  },
};

/** Batch constants that bound host-side work, not a hypercall. */
const NOT_HYPERCALL_BATCHES = ['MSHV_MAP_FAULT_IN_PAGES', 'MSHV_PIN_PAGES_BATCH_SIZE'];

describe('batch capacity derived from the 4 KiB page (inventory §b.5)', () => {
  it('every facts batch size is either a hypercall bound below or a host-side bound', () => {
    const keys = Object.keys(facts.batch_sizes).filter((k) => !NOT_HYPERCALL_BATCHES.includes(k));
    expect(keys.sort()).toEqual(Object.keys(BATCHES).sort());
  });

  it.each(Object.entries(BATCHES))(
    '%s: traitsOf gives the facts number, the constant and its reason',
    (key, b) => {
      const want = facts.batch_sizes[key];
      expect(b.constant).toBe(want);
      for (const d of b.defs) {
        expect(traitsOf(d)).toMatchObject({ batchRepsMax: want, batchBound: b.bound });
      }
    },
  );

  it('UNMAP_GPA_PAGES has no list, so its 512 is a named non-page bound (seed review point 6)', () => {
    expect(UnmapGpaPages.repBound.constant).toBe('HV_UMAP_GPA_PAGES');
    expect(traitsOf(UnmapGpaPages).elementSize).toBe(0);
  });

  it.each(facts.hypercalls.map((h) => [h.name, h] as const))(
    '%s: batchRepsMax equals facts max_reps_per_call (1 when the call carries no list)',
    (_name, h) => {
      const d = HYPERCALL_DEFS.find((x) => x.code === h.code);
      expect(d && traitsOf(d).batchRepsMax).toBe(h.max_reps_per_call ?? 1);
    },
  );

  it('fast and passthrough calls never use the per-CPU pages; every other call does (design.md principle 7)', () => {
    for (const d of HYPERCALL_DEFS) {
      const t = traitsOf(d);
      expect(t.fast).toBe(d.kind === 'fast8' || d.kind === 'fast16');
      expect(t.usesPages).toBe(!t.fast && d.kind !== 'passthrough');
    }
  });

  it('fast inputs fill exactly their 8 or 16 register bytes (inventory §b.1)', () => {
    for (const d of HYPERCALL_DEFS.filter((x) => x.kind === 'fast8' || x.kind === 'fast16')) {
      expect(d.input?.size).toBe(d.kind === 'fast8' ? 8 : 16);
    }
  });

  it('SET_VP_STATE raw bytes must fit the page after the 40-byte header (inventory §d)', () => {
    expect(SET_VP_STATE_BYTES_MAX).toBe(4096 - 40);
  });

  it('deposit counts match facts `deposit_counts` (inventory §b.3)', () => {
    expect(INIT_PARTITION_DEPOSIT_PAGES).toBe(facts.deposit_counts.HV_INIT_PARTITION_DEPOSIT_PAGES);
    expect(MAP_GPA_DEPOSIT_PAGES).toBe(facts.deposit_counts.HV_MAP_GPA_DEPOSIT_PAGES);
    expect(CREATE_VP_DEPOSIT_PAGES).toBe(facts.deposit_counts.CREATE_VP_UPFRONT);
  });
});
