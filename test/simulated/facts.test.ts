import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encodeControl } from '../../src/hv/ControlWord.js';
import { HvStatus as S } from '../../src/hv/HvStatus.js';
import type { HypercallDef } from '../../src/hv/Hypercall.js';
import {
  AcquireSparseSpaPageHostAccess,
  DepositMemory,
  GetGpaPagesAccessStates,
  GetVpRegisters,
  GetVpState,
  MapGpaPages,
  SetVpRegisters,
  SetVpState,
  WithdrawMemory,
} from '../../src/hv/hypercalls/index.js';
import { decodeStatus } from '../../src/hv/StatusWord.js';
import { deriveKnobs } from '../../adapters/simulated/MachineConfig.js';
import { Caller, smallMachine } from './harness.js';

const facts = JSON.parse(readFileSync(new URL('../fixtures/mshv-facts.json', import.meta.url), 'utf8')) as {
  batch_sizes: Record<string, number>;
  deposit_counts: Record<string, number>;
};

/** The page bound the dispatcher enforces, per batch constant (inventory §b.5). */
const BOUNDS: readonly [string, HypercallDef, 'rep' | 'varhead'][] = [
  ['HV_MAP_GPA_BATCH_SIZE', MapGpaPages, 'rep'],
  ['HV_DEPOSIT_MAX', DepositMemory, 'rep'],
  ['HV_WITHDRAW_BATCH_SIZE', WithdrawMemory, 'rep'],
  ['HV_GET_REGISTER_BATCH_SIZE', GetVpRegisters, 'rep'],
  ['HV_SET_REGISTER_BATCH_SIZE', SetVpRegisters, 'rep'],
  ['HV_MODIFY_SPARSE_SPA_PAGE_HOST_ACCESS_MAX_PAGE_COUNT', AcquireSparseSpaPageHostAccess, 'rep'],
  ['HV_GET_GPA_ACCESS_STATES_BATCH_SIZE', GetGpaPagesAccessStates, 'rep'],
  ['HV_GET_VP_STATE_BATCH_SIZE', GetVpState, 'varhead'],
  ['HV_SET_VP_STATE_BATCH_SIZE', SetVpState, 'varhead'],
];

describe('page bounds the hypervisor enforces match the kernel batch sizes (facts batch_sizes)', () => {
  it.each(BOUNDS)('%s: the batch fits the 4 KiB page, one more does not', (constant, def, how) => {
    const batch = facts.batch_sizes[constant]!;
    const c = new Caller(smallMachine());
    c.input.zero();
    const word = (n: number): bigint =>
      encodeControl(how === 'rep' ? { code: def.code, repCount: n } : { code: def.code, varHeadQwords: n });
    const answer = (n: number): number =>
      decodeStatus(c.machine.hypervisor.hypercall(word(n), c.input, c.output)).result;
    // Within the page the call reaches its handler (which refuses partition 0); beyond it, the control word is wrong.
    expect(answer(batch)).not.toBe(S.INVALID_HYPERCALL_INPUT);
    if (batch < 4095) expect(answer(batch + 1)).toBe(S.INVALID_HYPERCALL_INPUT);
  });
});

describe('the cost model varies around the driver deposits (facts deposit_counts)', () => {
  it('draws INITIALIZE and CREATE_VP costs on both sides of the 208 and 90 upfront deposits across seeds', () => {
    const init = facts.deposit_counts.HV_INIT_PARTITION_DEPOSIT_PAGES!;
    const vp = facts.deposit_counts.CREATE_VP_UPFRONT!;
    const costs = Array.from({ length: 64 }, (_, seed) => deriveKnobs({ seed }).costs);
    expect(costs.some((k) => k.initializePages <= init)).toBe(true);
    expect(costs.some((k) => k.initializePages > init)).toBe(true);
    expect(costs.some((k) => k.vpPages <= vp)).toBe(true);
    expect(costs.some((k) => k.vpPages > vp)).toBe(true);
  });
});
