import type { Json } from './Codec.js';
import { writeFields } from './objectCodec.js';
import type { Scenario, Step } from './Scenario.js';
import { commonStepSpec, StepSpecs } from './stepSpecs.js';
import { scenarioFormat, scenarioSpec } from './loadScenario.js';
import type { LooseSpec } from './objectCodec.js';

/**
 * A scenario as JSON that loadScenario reads back to an equal value: 64-bit numbers as 0x strings,
 * flags and enumerations as names where they have one, fields equal to their default left out.
 * The model checker writes its counterexamples with it.
 *
 * @example
 * JSON.stringify(scenarioToJson(loadScenario(json)));
 */
export function scenarioToJson(scenario: Scenario): Json {
  return {
    format: scenarioFormat,
    ...writeFields(scenario, scenarioSpec),
    steps: scenario.steps.map(stepToJson),
  };
}

/**
 * One step as JSON that `loadStep` reads back to an equal step (the form a log's step intent holds).
 *
 * @example
 * stepToJson({ op: 'createVp', partition: 'vm0', expect: 'ok', vpIndex: 1 }); // { op: 'createVp', partition: 'vm0', vpIndex: 1 }
 */
export function stepToJson(step: Step): Json {
  const spec: LooseSpec = StepSpecs[step.op];
  return { op: step.op, ...writeFields(step, commonStepSpec), ...writeFields(step, spec) };
}

/**
 * The scenario as indented JSON text, ready to save as a file.
 *
 * @example
 * scenarioToText(parseScenarioText(text)); // same meaning as text
 */
export function scenarioToText(scenario: Scenario): string {
  return `${JSON.stringify(scenarioToJson(scenario), null, 2)}\n`;
}
