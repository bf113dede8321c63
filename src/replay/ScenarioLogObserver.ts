import type { JsonValue } from '../log/JsonValue.js';
import { resultRecordOf } from '../log/resultRecordOf.js';
import type { IoctlResult } from '../pipeline/driver/IoctlResult.js';
import type { RecordSink } from '../runtime/RecordSink.js';
import type { OperationObserver, OperationStart } from '../runner/OperationObserver.js';
import type { Step } from '../scenario/Scenario.js';
import { stepToJson } from '../scenario/scenarioToJson.js';

/** The intent name of a scenario step in `scenario` logs. */
export const STEP_INTENT = 'step';

/**
 * The event log of a scenario run: one `step` intent per step (its index and the step as scenario
 * JSON), then for each of its operations the operation record, the hypercalls it issued (through
 * the world's recorder, on the same sink) and the result record, committed at each operation's end.
 *
 * @example
 * runScenario(scenario, world, undefined, new ScenarioLogObserver(writer));
 */
export class ScenarioLogObserver implements OperationObserver {
  #current: OperationStart | undefined;

  constructor(readonly sink: RecordSink) {}

  step(index: number, step: Step): void {
    this.sink.append({ kind: 'intent', name: STEP_INTENT, args: { index, step: stepToJson(step) } });
  }

  begin(op: OperationStart): void {
    this.#current = op;
    this.sink.append({
      kind: 'operation',
      id: op.id,
      name: op.name,
      fd: op.fd,
      partition: op.partition,
      vp: op.vp,
      request: op.request,
      args: op.args,
    });
  }

  end(outcome: IoctlResult<JsonValue>): void {
    const op = this.#current;
    if (op === undefined) throw new Error('ScenarioLogObserver.end without begin');
    this.#current = undefined;
    this.sink.append(resultRecordOf(op.id, op.name, outcome));
    this.sink.commit();
  }
}
