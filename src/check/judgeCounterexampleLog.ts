import type { JsonObject, JsonValue } from '../log/JsonValue.js';
import { openLog } from '../log/LogReader.js';
import type { LogHeader } from '../log/LogHeader.js';
import type { Intent } from '../runtime/applyIntent.js';
import {
  COUNTEREXAMPLE_FORMAT,
  COUNTEREXAMPLE_VERSION,
  type Counterexample,
  counterexampleFromJson,
  type Reproduction,
  reproduction,
} from './Counterexample.js';

/** What re-running a counterexample log's violation showed (`reproduction` of its counterexample). */
export interface CounterexampleLogJudgement {
  /** The counterexample the log's header describes. */
  readonly counterexample: Counterexample;
  /** Whether its own invariant broke again, another one first, or none. */
  readonly reproduction: Reproduction;
}

const isObject = (v: JsonValue | undefined): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The counterexample a counterexample log stands for (`writeCounterexampleLog`), from its header:
 * `meta.world` is its world (every fault the path armed included), `meta.check` its invariant,
 * message, model, variant, random fault rates, crash and intents. A log written before
 * `meta.check.intents` existed takes its intents from its intent records (`loggedIntents`, read only
 * then), except when the VMM died inside the last intent, whose record the log may not hold.
 * Undefined when the header has no `meta.check` (not a counterexample log). Throws the
 * ScenarioError of `counterexampleFromJson` (paths as in a counterexample file) when the meta does not
 * describe a counterexample this build reads.
 *
 * @example
 * counterexampleOfLog(openLog('check-failedMap.log').header, () => [])?.invariant; // 'failedMap'
 */
export function counterexampleOfLog(
  header: LogHeader,
  loggedIntents: () => readonly Intent[],
): Counterexample | undefined {
  const check = header.meta.check;
  if (!isObject(check)) return undefined;
  const intents: JsonValue =
    check.intents ??
    (check.crashAfterOperations === undefined
      ? loggedIntents().map((i) => ({ name: i.name, args: i.args }))
      : null);
  return counterexampleFromJson({
    format: COUNTEREXAMPLE_FORMAT,
    version: COUNTEREXAMPLE_VERSION,
    invariant: check.invariant ?? null,
    message: check.message ?? null,
    variant: check.variant ?? null,
    model: check.model ?? null,
    world: header.meta.world ?? null,
    ...(check.randomFaults === undefined ? {} : { randomFaults: check.randomFaults }),
    intents,
    crash: check.crash ?? null,
    ...(check.crashAfterOperations === undefined ? {} : { crashAfterOperations: check.crashAfterOperations }),
  });
}

/**
 * Re-judge the violation a counterexample log records: rebuild its counterexample from the header
 * (`counterexampleOfLog`) and re-run it as `mshv-control check FILE.json` does (`reproduction`: a
 * world built with its faults, its intents, then the crash; every invariant judged), on the shipped
 * stack. Undefined for a log that is not a counterexample log (no `meta.check`). Throws what
 * `openLog` throws for a file that is not a readable log, and a ScenarioError for a `meta.check` this
 * build does not read.
 *
 * @example
 * const j = judgeCounterexampleLog('check-failedMap.log');
 * j?.reproduction.verdict; // 'reproduces'
 */
export function judgeCounterexampleLog(path: string): CounterexampleLogJudgement | undefined {
  const reader = openLog(path);
  try {
    const loggedIntents = (): Intent[] => {
      const out: Intent[] = [];
      for (const { record } of reader.records({ verify: false }))
        if (record.kind === 'intent') out.push({ name: record.name, args: record.args });
      return out;
    };
    const counterexample = counterexampleOfLog(reader.header, loggedIntents);
    return counterexample === undefined
      ? undefined
      : { counterexample, reproduction: reproduction(counterexample) };
  } finally {
    reader.close();
  }
}
