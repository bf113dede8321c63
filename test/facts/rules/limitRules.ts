/**
 * Facts rules for bounds, deposits, limits and orders (inventory §b.3, §b.5, §c.5, §c.12): constants
 * against the code's constants and derived traits, derivations evaluated, and the VP-creation and
 * teardown orders against the driver model's hypercalls on the simulated stack.
 */
import { expect } from 'vitest';
import { HV_PARTITION_PROPERTY } from '../../../src/hv/flags/HvPartitionProperty.js';
import { traitsOf, type HypercallDef } from '../../../src/hv/Hypercall.js';
import { EVENT_RING_SLOTS } from '../../../src/hv/HvSynicEventRing.js';
import {
  CREATE_VP_DEPOSIT_PAGES,
  CreatePort,
  DEPOSIT_MEMORY_REPS_MAX,
  DepositMemory,
  GET_GPA_ACCESS_STATES_REPS_MAX,
  GET_VP_REGISTERS_REPS_MAX,
  GetGpaPagesAccessStates,
  GetVpRegisters,
  GetVpState,
  INIT_PARTITION_DEPOSIT_PAGES,
  MAP_GPA_DEPOSIT_PAGES,
  MAP_GPA_PAGES_REPS_MAX,
  MapGpaPages,
  MODIFY_SPA_HOST_ACCESS_REPS_MAX,
  PORT_ID_MAX,
  PORT_ID_MIN,
  ReleaseSparseSpaPageHostAccess,
  SET_VP_REGISTERS_REPS_MAX,
  SetVpRegisters,
  SetVpState,
  UNMAP_GPA_PAGES_REPS_MAX,
  UnmapGpaPages,
  VP_STATE_PAGES_MAX,
  WITHDRAW_MEMORY_REPS_MAX,
  WithdrawMemory,
} from '../../../src/hv/hypercalls/index.js';
import * as K from '../../../src/hv/KernelConstants.js';
import {
  HV_LARGE_PAGE_SHIFT,
  HV_PAGE_SHIFT,
  HV_PAGE_SIZE,
  PAGES_PER_LARGE_PAGE,
} from '../../../src/hv/Page.js';
import {
  MSHV_MAX_GUEST_IRQS,
  MSHV_MAX_VPS,
  MSHV_VP_STATE_REQUIRED,
  type MshvVpStateName,
} from '../../../src/hv/uapi/flags.js';
import { PASSTHROUGH_IN_SZ_MIN, checkRootHvcall } from '../../../src/pipeline/driver/checkRootHvcall.js';
import { HV_MESSAGE_BYTES, HV_MESSAGE_PAYLOAD_BYTES } from '../../../src/pipeline/driver/hvMessage.js';
import { SCHEDULER_PAIRS_MAX } from '../../../src/pipeline/driver/schedulerIsr.js';
import { deriveKnobs } from '../../../adapters/simulated/MachineConfig.js';
import { HV_MESSAGE_PAYLOAD_SIZE, HV_MESSAGE_SIZE } from '../../../adapters/simulated/model/Messages.js';
import { driverTrace, type TracedCall } from '../driverTrace.js';
import { evalExpr, type FactLeaf, type FactRule, keyOf, num, str } from '../FactRule.js';

/** Each batch constant: the code's constant and the definition whose traits must derive it. */
const BATCH: Readonly<Record<string, { value: number; def?: HypercallDef }>> = {
  HV_MAP_GPA_BATCH_SIZE: { value: MAP_GPA_PAGES_REPS_MAX, def: MapGpaPages },
  HV_UMAP_GPA_PAGES: { value: UNMAP_GPA_PAGES_REPS_MAX, def: UnmapGpaPages },
  HV_WITHDRAW_BATCH_SIZE: { value: WITHDRAW_MEMORY_REPS_MAX, def: WithdrawMemory },
  HV_DEPOSIT_MAX: { value: DEPOSIT_MEMORY_REPS_MAX, def: DepositMemory },
  HV_GET_VP_STATE_BATCH_SIZE: { value: VP_STATE_PAGES_MAX, def: GetVpState },
  HV_SET_VP_STATE_BATCH_SIZE: { value: VP_STATE_PAGES_MAX, def: SetVpState },
  HV_GET_GPA_ACCESS_STATES_BATCH_SIZE: {
    value: GET_GPA_ACCESS_STATES_REPS_MAX,
    def: GetGpaPagesAccessStates,
  },
  HV_MODIFY_SPARSE_SPA_PAGE_HOST_ACCESS_MAX_PAGE_COUNT: {
    value: MODIFY_SPA_HOST_ACCESS_REPS_MAX,
    def: ReleaseSparseSpaPageHostAccess,
  },
  HV_GET_REGISTER_BATCH_SIZE: { value: GET_VP_REGISTERS_REPS_MAX, def: GetVpRegisters },
  HV_SET_REGISTER_BATCH_SIZE: { value: SET_VP_REGISTERS_REPS_MAX, def: SetVpRegisters },
  MSHV_PIN_PAGES_BATCH_SIZE: { value: K.MSHV_PIN_PAGES_BATCH_SIZE },
  MSHV_MAP_FAULT_IN_PAGES: { value: K.MSHV_MAP_FAULT_IN_PAGES },
};

function batch(leaf: FactLeaf): { value: number; def?: HypercallDef } {
  const b = BATCH[keyOf(leaf)];
  if (b === undefined) throw new Error(`no code constant for ${keyOf(leaf)}`);
  return b;
}

/** passthrough in_sz / out_sz bounds, observed through checkRootHvcall. */
function rootHvcallAccepts(inSz: number, outSz: number): boolean {
  // /dev/mshv, self-targeted GET_PARTITION_PROPERTY: allowed unless a size rule refuses it.
  return (
    checkRootHvcall(undefined, undefined, { code: 0x44, reps: 0, input: new Uint8Array(inSz), outSz }) ===
    undefined
  );
}

const LIMITS: Readonly<Record<string, (v: number) => void>> = {
  MSHV_MAX_VPS: (v) => {
    expect(MSHV_MAX_VPS).toBe(v);
  },
  MSHV_MAX_GUEST_IRQS: (v) => {
    expect(MSHV_MAX_GUEST_IRQS).toBe(v);
  },
  MSHV_PARTITIONS_HASH_BITS: (v) => {
    expect(K.MSHV_PARTITIONS_HASH_BITS).toBe(v);
  },
  MSHV_HV_MIN_VERSION: (v) => {
    expect(K.MSHV_HV_MIN_VERSION).toBe(v);
  },
  MSHV_HV_MAX_VERSION: (v) => {
    expect(K.MSHV_HV_MAX_VERSION).toBe(v);
  },
  HV_VP_REGISTER_PAGE_MAX_VECTOR_COUNT: (v) => {
    expect(K.HV_VP_REGISTER_PAGE_MAX_VECTOR_COUNT).toBe(v);
  },
  HV_SYNIC_EVENT_RING_MESSAGE_COUNT: (v) => {
    expect(EVENT_RING_SLOTS).toBe(v);
  },
  HV_MESSAGE_SIZE: (v) => {
    expect([HV_MESSAGE_BYTES, HV_MESSAGE_SIZE]).toEqual([v, v]);
  },
  HV_MESSAGE_PAYLOAD_BYTE_COUNT: (v) => {
    expect([HV_MESSAGE_PAYLOAD_BYTES, HV_MESSAGE_PAYLOAD_SIZE]).toEqual([v, v]);
  },
  HV_MESSAGE_MAX_PARTITION_VP_PAIR_COUNT: (v) => {
    expect(SCHEDULER_PAIRS_MAX).toBe(v);
  },
  HV_ROOT_SCHEDULER_MAX_VPS_PER_CHILD_PARTITION: (v) => {
    expect(K.HV_ROOT_SCHEDULER_MAX_VPS_PER_CHILD_PARTITION).toBe(v);
    expect(deriveKnobs({ seed: 1 }).vpIndexLimit).toBe(v);
  },
  PORTID_MIN: (v) => {
    expect(PORT_ID_MIN).toBe(v);
    expect(CreatePort.input.fields.some((f) => f.name === 'portId')).toBe(true);
  },
  PORTID_MAX: (v) => {
    expect(PORT_ID_MAX).toBe(v);
  },
  large_page_pages: (v) => {
    expect(PAGES_PER_LARGE_PAGE).toBe(v);
  },
  HV_HYP_PAGE_SHIFT: (v) => {
    expect(HV_PAGE_SHIFT).toBe(v);
    expect(2 ** v).toBe(HV_PAGE_SIZE);
  },
  HV_HYP_LARGE_PAGE_SHIFT: (v) => {
    expect(HV_LARGE_PAGE_SHIFT).toBe(v);
  },
  passthrough_max_in_sz: (v) => {
    expect([rootHvcallAccepts(v, 0), rootHvcallAccepts(v + 1, 0)]).toEqual([true, false]);
  },
  passthrough_max_out_sz: (v) => {
    expect([rootHvcallAccepts(8, v), rootHvcallAccepts(8, v + 1)]).toEqual([true, false]);
  },
  passthrough_min_in_sz: (v) => {
    expect(PASSTHROUGH_IN_SZ_MIN).toBe(v);
    expect([rootHvcallAccepts(v - 1, 0), rootHvcallAccepts(v, 0)]).toEqual([false, true]);
  },
};

// ---- orders, observed on the driver trace ----

function releaseCalls(): readonly TracedCall[] {
  return driverTrace().calls.filter((c) => c.ioctl === 'MSHV_RELEASE');
}

function createVpCalls(): readonly TracedCall[] {
  return driverTrace().calls.filter((c) => c.ioctl === 'MSHV_CREATE_VP');
}

const at = (calls: readonly TracedCall[], pred: (c: TracedCall) => boolean): number => {
  const i = calls.findIndex(pred);
  expect(i, 'step not found in the driver trace').toBeGreaterThanOrEqual(0);
  return i;
};

/** Where each create_vp_order step happens in MSHV_CREATE_VP's hypercalls (-1: not issued, as stated). */
const CREATE_VP_STEPS: Readonly<Record<string, (calls: readonly TracedCall[]) => number>> = {
  'CREATE_VP (90-page deposit)': (c) => {
    const i = at(c, (x) => x.name === 'CREATE_VP');
    expect(c[i - 1]).toMatchObject({ name: 'DEPOSIT_MEMORY', repCount: CREATE_VP_DEPOSIT_PAGES });
    return i;
  },
  'MAP_VP_STATE_PAGE intercept': (c) => at(c, (x) => x.name === 'MAP_VP_STATE_PAGE' && x.u16At12 === 1),
  'MAP_VP_STATE_PAGE registers (non-SNP)': (c) =>
    at(c, (x) => x.name === 'MAP_VP_STATE_PAGE' && x.u16At12 === 0),
  'MAP_VP_STATE_PAGE ghcb (SNP + feature)': (c) => {
    // Not SNP: no GHCB page; its place is after the registers page.
    expect(c.some((x) => x.name === 'MAP_VP_STATE_PAGE' && x.u16At12 === 2)).toBe(false);
    return at(c, (x) => x.name === 'MAP_VP_STATE_PAGE' && x.u16At12 === 0) + 0.5;
  },
  'MAP_STATS_PAGE self, parent': (c) => {
    const i = at(c, (x) => x.name === 'MAP_STATS_PAGE');
    expect(c[i + 1]?.name).toBe('MAP_STATS_PAGE');
    return i;
  },
  'anon fd': (c) => {
    // The ioctl returns the new VP fd once every hypercall has succeeded.
    expect(Number(driverTrace().ioctls.find((x) => x.name === 'MSHV_CREATE_VP')?.result)).toBeGreaterThan(2);
    expect(c.every((x) => x.status === 0)).toBe(true);
    return c.length;
  },
};

/** Where each teardown_order step happens in the release's hypercalls. */
const TEARDOWN_STEPS: Readonly<Record<string, (calls: readonly TracedCall[]) => number>> = {
  '(ROOT sched) per VP: SET DISPATCH_SUSPEND=1; GET VP_ROOT_SIGNAL_COUNT; wait until equal': (c) => {
    const i = at(c, (x) => x.name === 'SET_VP_REGISTERS');
    expect(c[i + 1]?.name).toBe('GET_VP_REGISTERS');
    return i;
  },
  'per VP: UNMAP_STATS_PAGE(self[,parent]); UNMAP_VP_STATE_PAGE(registers, intercept, ghcb)': (c) => {
    const i = at(c, (x) => x.name === 'UNMAP_STATS_PAGE');
    expect(c.slice(i, i + 4).map((x) => x.name)).toEqual([
      'UNMAP_STATS_PAGE',
      'UNMAP_STATS_PAGE',
      'UNMAP_VP_STATE_PAGE',
      'UNMAP_VP_STATE_PAGE',
    ]);
    expect(c.slice(i + 2, i + 4).map((x) => x.u16At12)).toEqual([0, 1]);
    return i;
  },
  FINALIZE_PARTITION: (c) => at(c, (x) => x.name === 'FINALIZE_PARTITION'),
  'remove from partition hash (RCU)': (c) => {
    expect(driverTrace().world.device.partitions()).toEqual([]);
    return at(c, (x) => x.name === 'FINALIZE_PARTITION') + 0.5;
  },
  'regions: SNP ACQUIRE host access; (NEW) UNMAP_GPA_PAGES; unpin; free': (c) =>
    at(c, (x) => x.name === 'UNMAP_GPA_PAGES'),
  'WITHDRAW_MEMORY(all)': (c) => at(c, (x) => x.name === 'WITHDRAW_MEMORY'),
  DELETE_PARTITION: (c) => at(c, (x) => x.name === 'DELETE_PARTITION'),
};

/** A step's position must come after the previous step's (unperturbed) position. */
function orderCheck(
  steps: Readonly<Record<string, (calls: readonly TracedCall[]) => number>>,
  calls: () => readonly TracedCall[],
): (leaf: FactLeaf) => void {
  return (leaf) => {
    const step = steps[str(leaf)];
    if (step === undefined) throw new Error(`'${str(leaf)}' names no step the code performs`);
    const here = step(calls());
    const i = Number(leaf.key);
    if (i === 0) return;
    const prev = steps[String((leaf.parent as unknown as string[])[i - 1])];
    expect(here).toBeGreaterThan(prev?.(calls()) ?? Infinity);
  };
}

export const limitRules: readonly FactRule[] = [
  {
    path: 'batch_sizes.*',
    by: "src/hv/hypercalls *_REPS_MAX and traitsOf(def).batchRepsMax; KernelConstants for the kernel's own",
    check: (leaf) => {
      const b = batch(leaf);
      expect(b.value).toBe(num(leaf));
      if (b.def !== undefined) expect(traitsOf(b.def).batchRepsMax).toBe(num(leaf));
    },
  },
  {
    path: 'batch_derivations.*',
    by: 'the expression evaluated equals the code constant; a named non-page bound for UNMAP',
    check: (leaf) => {
      const b = batch(leaf);
      if (str(leaf).startsWith('constant')) {
        expect(str(leaf)).toBe('constant (IRQ-window bound)');
        expect(b.def?.repBound?.reason).toMatch(/IRQ-disabled window/);
        return;
      }
      expect(evalExpr(str(leaf))).toBe(BigInt(b.value));
    },
  },
  {
    path: 'deposit_counts.*',
    by: 'src/hv/hypercalls deposit constants, KernelConstants, and the per-retry deposit observed on the driver',
    check: (leaf) => {
      const v = num(leaf);
      switch (keyOf(leaf)) {
        case 'HV_INIT_PARTITION_DEPOSIT_PAGES': {
          expect(INIT_PARTITION_DEPOSIT_PAGES).toBe(v);
          return;
        }
        case 'HV_MAP_GPA_DEPOSIT_PAGES': {
          expect(MAP_GPA_DEPOSIT_PAGES).toBe(v);
          return;
        }
        case 'CREATE_VP_UPFRONT': {
          expect(CREATE_VP_DEPOSIT_PAGES).toBe(v);
          return;
        }
        case 'HV_MAX_CONTIGUOUS_ALLOCATION_PAGES_patch': {
          expect(K.HV_MAX_CONTIGUOUS_ALLOCATION_PAGES).toBe(v);
          return;
        }
        case 'DEFAULT_RETRY': {
          const t = driverTrace('INITIALIZE_PARTITION').calls;
          const i = t.findIndex((c) => c.name === 'INITIALIZE_PARTITION');
          {
            expect(t[i + 1]).toMatchObject({ name: 'DEPOSIT_MEMORY', repCount: v });
            return;
          }
        }
        default:
          throw new Error(`no code constant for ${keyOf(leaf)}`);
      }
    },
  },
  {
    path: 'limits.*',
    by: 'the code constant or behaviour named in LIMITS (test/facts/rules/limitRules.ts)',
    check: (leaf) => {
      const check = LIMITS[keyOf(leaf)];
      if (check === undefined) throw new Error(`no code for limit ${keyOf(leaf)}`);
      check(num(leaf));
    },
  },
  {
    path: 'limits.vp_state_sizes.*',
    by: 'MSHV_VP_STATE_REQUIRED (bytes, or the partition property that sizes XSAVE)',
    check: (leaf) => {
      const req = MSHV_VP_STATE_REQUIRED[keyOf(leaf) as MshvVpStateName];
      if (typeof leaf.value === 'number') {
        expect(req).toEqual({ bytes: leaf.value });
        return;
      }
      const m = /^partition property (\w+)$/.exec(str(leaf));
      expect(req).toEqual({
        property: HV_PARTITION_PROPERTY[(m?.[1] ?? '') as keyof typeof HV_PARTITION_PROPERTY],
      });
    },
  },
  {
    path: 'create_vp_order[*]',
    by: "the driver model's MSHV_CREATE_VP hypercalls, in order (test/facts/driverTrace.ts)",
    check: orderCheck(CREATE_VP_STEPS, createVpCalls),
  },
  {
    path: 'teardown_order[*]',
    by: "the driver model's release of the partition fd, in order (test/facts/driverTrace.ts)",
    check: orderCheck(TEARDOWN_STEPS, releaseCalls),
  },
  {
    path: 'meta.*',
    by: 'test/fixtures/mshv-facts.json',
    context: 'What the facts describe (the driver, x86-64): the subject of every other rule, not a value.',
  },
  {
    path: 'meta.versions.*',
    by: 'docs/FACTS-COVERAGE.md',
    context:
      'Source versions the facts were taken from; the code names ORIG/MID/NEW where behaviour differs.',
  },
  {
    path: 'meta.uncertain[*]',
    by: 'docs/FACTS-COVERAGE.md',
    context: 'What the facts authors could not confirm; each item is resolved in docs/FACTS-COVERAGE.md.',
  },
];
