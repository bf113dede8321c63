import type { HvShared } from '../../../src/pipeline/driver/HvShared.js';

const unused = (): never => {
  throw new Error('the doorbell ring is not used by this test');
};

/**
 * The HvShared members a test that never takes a doorbell notification does not use: ring access
 * throws; the CPU is 0; enabling interrupts delivers nothing (the test has no SINT0 queue).
 *
 * @example
 * const shared: HvShared = { ...noDoorbellRing, readPage, writePage, ... };
 */
export const noDoorbellRing: Pick<
  HvShared,
  | 'cpu'
  | 'doorbellRing'
  | 'setDoorbellRingSignalMasked'
  | 'clearDoorbellRingFull'
  | 'clearDoorbellRingSlot'
  | 'memoryBarrier'
  | 'takePendingInterrupts'
> = {
  cpu: () => 0,
  doorbellRing: unused,
  setDoorbellRingSignalMasked: unused,
  clearDoorbellRingFull: unused,
  clearDoorbellRingSlot: unused,
  memoryBarrier: () => undefined,
  takePendingInterrupts: () => undefined,
};
