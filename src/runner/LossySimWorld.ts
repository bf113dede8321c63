import type { HypercallRecorder } from '../pipeline/HypercallRecorder.js';
import type { Scenario } from '../scenario/Scenario.js';
import { SimWorld, type SimWorldOptions } from './SimWorld.js';

/**
 * A simulated world that loses signals to VP threads (vmm-lifecycle-rules 4, openvmm PR 3917):
 * the first `lose` signals raised (VP_KICK or a `signal` intent), every one with `Infinity`, never
 * reach the thread, as a signal that arrives between the thread's stop check and its entry into
 * MSHV_RUN_VP does: /dev/mshv has no sticky cancel (KVM's immediate_exit), so the handler runs in
 * user space, nothing is left pending and the thread then sleeps in MSHV_RUN_VP. The VMM must send
 * another. With `lose` 0 it is the plain `SimWorld`. A checker model's `world.lostSignals` sets it;
 * the scenario format and `SimWorld` do not change. A log of such a world says so in its run meta
 * (`RunMeta.lostSignals`), and replay and recover rebuild the same lossy world from it.
 *
 * @example
 * const w = new LossySimWorld(worldScenario(model.world), recorder, {}, 1);
 * w.raiseSignal(fd, 0); // lost
 * w.signalsLost; // 1
 */
export class LossySimWorld extends SimWorld {
  /** Signals still to lose (Infinity: all). */
  #ahead: number;
  /** Signals raised so far, lost or delivered. */
  signalsRaised = 0;
  /** Signals lost so far. */
  signalsLost = 0;

  constructor(scenario: Scenario, recorder: HypercallRecorder, options: SimWorldOptions, lose: number) {
    super(scenario, recorder, options);
    this.#ahead = lose;
  }

  /** How many of the next signals will be lost (Infinity: every one). */
  get lostAhead(): number {
    return this.#ahead;
  }

  override raiseSignal(partitionFd: number, vpIndex: number): void {
    this.signalsRaised += 1;
    if (this.#ahead > 0) {
      this.#ahead -= 1;
      this.signalsLost += 1;
      return;
    }
    super.raiseSignal(partitionFd, vpIndex);
  }
}
