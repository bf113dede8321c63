import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  GpapAccessOp,
  GpapAccessType,
  IoeventfdFlagBit,
  IrqfdFlagBit,
  NUM_CPU_FEATURES_BANKS,
  PtFlagBit,
  PtIsolation,
  SetMemFlagBit,
  VpStateType,
} from '../../src/scenario/uapiNames.js';

interface Facts {
  flags_enums: Record<string, Record<string, number> | number>;
}
const facts = JSON.parse(readFileSync('test/fixtures/mshv-facts.json', 'utf8')) as Facts;

/** A facts enum without its COUNT member. */
function names(key: string): Record<string, number> {
  return Object.fromEntries(
    Object.entries(facts.flags_enums[key] as Record<string, number>).filter(([name]) => name !== 'COUNT'),
  );
}

describe('scenario names for uapi bits and values equal the kernel header (inventory §a.5)', () => {
  it.each([
    ['MSHV_PT_BIT', PtFlagBit],
    ['MSHV_PT_ISOLATION', PtIsolation],
    ['MSHV_SET_MEM_BIT', SetMemFlagBit],
    ['MSHV_IRQFD_BIT', IrqfdFlagBit],
    ['MSHV_IOEVENTFD_BIT', IoeventfdFlagBit],
    ['MSHV_VP_STATE', VpStateType],
    ['MSHV_GPAP_ACCESS_TYPE', GpapAccessType],
    ['MSHV_GPAP_ACCESS_OP', GpapAccessOp],
  ])('%s', (key, table) => {
    expect(table).toEqual(names(key));
  });

  it('defaults pt_num_cpu_fbanks to MSHV_NUM_CPU_FEATURES_BANKS', () => {
    expect(NUM_CPU_FEATURES_BANKS).toBe(facts.flags_enums.MSHV_NUM_CPU_FEATURES_BANKS);
  });
});
