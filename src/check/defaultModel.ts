import type { CheckModel } from './CheckModel.js';
import { loadCheckModel } from './loadCheckModel.js';

/**
 * The model `mshv-control check` runs without a MODEL argument (docs/check/default-model.json holds
 * the same text): one partition with up to two VPs on the simulated hypervisor under a hypervisor
 * scheduler, with 2 MiB- and 4 KiB-backed guest RAM (the 64 MiB large-page region maps in two
 * partial completions: repTimeSlice 16); the lifecycle requests with one invalid representative
 * each; guest exits and signals; one armed fault per path among the statuses each call can return or
 * a late (3 ms) completion of the async SET_PARTITION_PROPERTY; and the VMM's crash.
 */
export const DEFAULT_MODEL_JSON = {
  format: 1,
  name: 'default',
  world: {
    seed: 2,
    hypervisor: { scheduler: 'core-smt', repTimeSlice: 16 },
    hostMemory: [
      { userAddr: '0x7f0000000000', size: '64MiB', pageSize: '2M' },
      { userAddr: '0x7f0100000000', size: '32KiB', pageSize: '4K' },
    ],
  },
  bounds: { partitions: 1, vps: 2, steps: 8, regions: 2, faults: 1, states: 200000 },
  intents: [
    { intent: 'createPartition', flags: ['LAPIC', 'X2APIC', 'GPA_SUPER_PAGES'] },
    { intent: 'partition', request: { type: 'SET_PROPERTY', property: 'SYNTHETIC_PROC_FEATURES', value: 1 } },
    { intent: 'partition', request: { type: 'INITIALIZE' } },
    { intent: 'partition', request: { type: 'CREATE_VP', vp: '$vp' } },
    { intent: 'partition', request: { type: 'CREATE_VP', vp: 256 } },
    {
      intent: 'partition',
      request: {
        type: 'MAP_MEMORY',
        region: 'ram2m',
        detail: { guestPfn: '0x0', size: '0x4000000', userAddr: '0x7f0000000000', flags: 3 },
      },
    },
    {
      intent: 'partition',
      request: {
        type: 'MAP_MEMORY',
        region: 'ram4k',
        detail: { guestPfn: '0x1000', size: '0x8000', userAddr: '0x7f0100000000', flags: 1 },
      },
    },
    { intent: 'partition', request: { type: 'UNMAP_MEMORY', region: 'ram2m' } },
    { intent: 'partition', request: { type: 'FREEZE_TIME' } },
    { intent: 'partition', request: { type: 'THAW_TIME' } },
    { intent: 'partition', request: { type: 'START' } },
    { intent: 'partition', request: { type: 'PAUSE' } },
    { intent: 'partition', request: { type: 'RESUME' } },
    { intent: 'partition', request: { type: 'CLOSE' } },
    { intent: 'vp', request: { type: 'READY' } },
    { intent: 'vp', request: { type: 'RUN' } },
    { intent: 'vp', request: { type: 'SET_STATE', part: 'REGISTERS' } },
    { intent: 'guest', exits: [{ exit: 'IO_PORT', port: '0x3f8', write: true, size: 1, value: 72 }] },
    { intent: 'guest', exits: [{ exit: 'HALT' }] },
    { intent: 'signal' },
  ],
  faults: [
    { call: 'CREATE_VP', status: 'INSUFFICIENT_MEMORY' },
    { call: 'MAP_GPA_PAGES', status: 'INSUFFICIENT_MEMORY', skip: 1 },
    { call: 'MAP_GPA_PAGES', status: 'ACCESS_DENIED', skip: 1 },
    { call: 'MAP_VP_STATE_PAGE', status: 'INVALID_PARTITION_STATE' },
    { call: 'SET_PARTITION_PROPERTY', status: 'INVALID_PARTITION_STATE' },
    { call: 'SET_PARTITION_PROPERTY', status: 'CALL_PENDING', completionDelayNs: 3000000 },
  ],
  crash: true,
  symmetry: { partitions: true, vps: true },
  random: { walks: 2000, faultRateMax: 0.3, machineFaultRateMax: 0 },
  dfs: { splitDepth: 3 },
} as const;

/**
 * The default model, loaded (and so validated) like a model file.
 *
 * @example
 * defaultModel().bounds.vps; // 2
 */
export function defaultModel(): CheckModel {
  return loadCheckModel(DEFAULT_MODEL_JSON);
}
