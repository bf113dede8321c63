import type { CheckModel } from './CheckModel.js';
import { loadCheckModel } from './loadCheckModel.js';

/**
 * REGISTERS (RAX … R15, RIP, RFLAGS; 16 bytes each) with RIP = 1 and RFLAGS = 0x2: the skip of the
 * model's first IO_PORT exit, which the guest takes at RIP 0 with an instruction length of 1.
 */
const REGISTERS_AFTER_FIRST_OUT = `${'00'.repeat(256)}01${'00'.repeat(15)}02${'00'.repeat(15)}`;

/**
 * The lifecycle-rules model (docs/check/lifecycle-rules.json holds the same text): one partition
 * with one VP and a 32 KiB 4 KiB-backed RAM region on the core-SMT scheduler, 9 steps deep, no
 * faults, no crash. Its alphabet reaches vmm-lifecycle-rules 3, 4, 7, 8, 9 and 11 within 5 to 9
 * steps: time freeze, thaw and reference time; start, pause, resume, snapshot and close; dirty
 * tracking (enable, one read-and-clear pass over the region, mark all dirty, disable); a guest OUT to
 * port 0x3f8, the REGISTERS write that skips it, an MSRS write (zeros), and VP runs (pause and close
 * signal the VP threads; there is no signal intent, which would add a third of the states). CREATE_VP
 * leaves the VP `created` until READY (the Host API's `createVp(i, { restore: true })`), so the two
 * writes make a restore in either order (rule 8); the second CREATE_VP carries `restore`, so START
 * waits for the snapshot's clock (rules 3 and 8). The frozenTimeRun, clockNotRestored,
 * ripNotAdvanced, restoreOutOfOrder, snapshotWhileRunning, dirtyNotMarkedAtDisable and liveness
 * invariants judge those rules.
 *
 * Why 9 steps: the shortest run after a skipped OUT takes 9 (create, initialize, VP, start, ready,
 * the OUT, run, skip, run). The REGISTERS write is a fixed value (RIP = 1): a path that writes it
 * before the OUT and again after the exit (10 steps) is a VMM that leaves RIP where the OUT exited,
 * and ripNotAdvanced reports it. The MSRS write took the model from 748 to 1,050 states (about 1.3
 * times the CPU time), the restore create to 1,460; a second register part after REGISTERS would add
 * as many again for no rule.
 */
export const LIFECYCLE_RULES_MODEL_JSON = {
  format: 1,
  name: 'lifecycle-rules',
  world: {
    seed: 2,
    hypervisor: { scheduler: 'core-smt' },
    hostMemory: [{ userAddr: '0x7f0100000000', size: '32KiB', pageSize: '4K' }],
  },
  bounds: { partitions: 1, vps: 1, steps: 9, regions: 1, faults: 0, states: 200000 },
  intents: [
    { intent: 'createPartition', flags: ['LAPIC', 'X2APIC'] },
    { intent: 'partition', request: { type: 'INITIALIZE' } },
    { intent: 'partition', request: { type: 'CREATE_VP', vp: '$vp' } },
    { intent: 'partition', request: { type: 'CREATE_VP', vp: '$vp', restore: true } },
    {
      intent: 'partition',
      request: {
        type: 'MAP_MEMORY',
        region: 'ram4k',
        detail: { guestPfn: '0x1000', size: '0x8000', userAddr: '0x7f0100000000', flags: 3 },
      },
    },
    { intent: 'partition', request: { type: 'FREEZE_TIME' } },
    { intent: 'partition', request: { type: 'THAW_TIME' } },
    { intent: 'partition', request: { type: 'SET_REFERENCE_TIME', value: 1000 } },
    { intent: 'partition', request: { type: 'START' } },
    { intent: 'partition', request: { type: 'PAUSE' } },
    { intent: 'partition', request: { type: 'RESUME' } },
    { intent: 'partition', request: { type: 'SNAPSHOT' } },
    { intent: 'partition', request: { type: 'ENABLE_DIRTY_TRACKING' } },
    { intent: 'partition', request: { type: 'READ_DIRTY', pages: 8, detail: { base: '0x1000' } } },
    { intent: 'partition', request: { type: 'MARK_ALL_DIRTY' } },
    { intent: 'partition', request: { type: 'DISABLE_DIRTY_TRACKING' } },
    { intent: 'partition', request: { type: 'CLOSE' } },
    { intent: 'vp', request: { type: 'READY' } },
    { intent: 'vp', request: { type: 'RUN' } },
    {
      intent: 'vp',
      request: { type: 'SET_STATE', part: 'REGISTERS', detail: { data: REGISTERS_AFTER_FIRST_OUT } },
    },
    { intent: 'vp', request: { type: 'SET_STATE', part: 'MSRS' } },
    { intent: 'guest', exits: [{ exit: 'IO_PORT', port: '0x3f8', write: true, size: 1, value: 72 }] },
  ],
  faults: [],
  crash: false,
} as const;

/**
 * The lifecycle-rules model, loaded (and so validated) like a model file.
 *
 * @example
 * lifecycleRulesModel().bounds.steps; // 9
 */
export function lifecycleRulesModel(): CheckModel {
  return loadCheckModel(LIFECYCLE_RULES_MODEL_JSON);
}
