import { describe, expect, it } from 'vitest';
import { PROPERTY_STAGE, propertyStage } from '../../machines/partition/propertyStage.js';
import { partitionPropertyCode } from '../../src/hv/flags/HvPartitionProperty.js';

describe('PROPERTY_STAGE (vmm-lifecycle-rules 1)', () => {
  it('rule 1: every property the stage table names has a hypervisor property code (none is invented)', () => {
    for (const name of Object.keys(PROPERTY_STAGE)) expect(partitionPropertyCode(name), name).toBeDefined();
    // Rule 1 names processors-per-socket, but the reference gives it no code (docs/FACTS-COVERAGE.md).
    expect(propertyStage('PROCESSORS_PER_SOCKET')).toBe('any');
  });

  it('rule 1: PRIVILEGE_FLAGS is early, as the simulated hypervisor has it (Created state only)', () => {
    expect(propertyStage('PRIVILEGE_FLAGS')).toBe('early');
    expect(propertyStage('SYNTHETIC_PROC_FEATURES')).toBe('early');
    expect(propertyStage('UNIMPLEMENTED_MSR_ACTION')).toBe('postInit');
  });
});
