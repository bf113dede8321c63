import { int, text, unknownName } from './Codec.js';
import { hostMemoryCodec } from './hostMemoryCodec.js';
import { defaultScheduler, hypervisorCodec } from './hypervisorCodec.js';
import { kernelCodec } from './kernelCodec.js';
import { childPath, parentPath } from './jsonPath.js';
import {
  checkFields,
  defaulted,
  expectObject,
  optional,
  readFields,
  required,
  type SpecFor,
} from './objectCodec.js';
import { parseJson } from './parseJson.js';
import { describeJson } from './parseNumber.js';
import type { Scenario, Step, StepOp } from './Scenario.js';
import { ScenarioError } from './ScenarioError.js';
import { checkStep, commonStepSpec, stepOps, StepSpecs } from './stepSpecs.js';

/** The format version this loader reads. */
export const scenarioFormat = 1;

/** Top-level fields after `format` and before `steps`. */
export const scenarioSpec: SpecFor<Omit<Scenario, 'format' | 'steps'>> = {
  name: required(text(true)),
  description: optional(text()),
  seed: required(int('u32')),
  hypervisor: defaulted(hypervisorCodec, { scheduler: defaultScheduler, faults: [] }),
  kernel: optional(kernelCodec),
  hostMemory: defaulted(hostMemoryCodec, []),
};

const topFields = ['format', ...Object.keys(scenarioSpec), 'steps'];

/**
 * Check a parsed JSON value against the scenario format (version 1) and return the typed scenario.
 * The loader checks syntax, types, units and uapi field widths, that every step names a
 * partition an earlier createPartition step created, and that no createPartition expecting ok names
 * a partition still open; the driver's own rules (vp_index < 256,
 * alignment, flag bits) are left to the driver so a step can `expect` their errno.
 * Throws a ScenarioError naming the JSON path and the rule.
 *
 * @example
 * loadScenario({ format: 1, name: 'empty', seed: 7, steps: [] }).hypervisor.scheduler; // 'core-smt'
 */
export function loadScenario(json: unknown): Scenario {
  const root = expectObject(json, '$', 'a scenario');
  if (!Object.hasOwn(root, 'format')) {
    throw new ScenarioError(
      '$.format',
      'required',
      `missing required field 'format' (write "format": ${scenarioFormat})`,
    );
  }
  if (root.format !== scenarioFormat) {
    throw new ScenarioError(
      '$.format',
      'format',
      `format ${describeJson(root.format)} is not supported; this loader reads format ${scenarioFormat}`,
    );
  }
  checkFields(root, '$', topFields, 'a scenario');
  const head = readFields(root, '$', scenarioSpec, 'a scenario');
  if (!Object.hasOwn(root, 'steps'))
    throw new ScenarioError('$.steps', 'required', "missing required field 'steps' (a list)");
  if (!Array.isArray(root.steps))
    throw new ScenarioError('$.steps', 'type', `expected a list of steps, got ${describeJson(root.steps)}`);
  const created = new Set<string>();
  const open = new Map<string, number>();
  const steps = root.steps.map((value: unknown, i) => {
    const path = childPath('$.steps', i);
    const step = readStep(value, path, created);
    checkStillOpen(step, path, i, open);
    return step;
  });
  return { format: scenarioFormat, ...head, steps };
}

/**
 * A createPartition that expects ok under a name still open would leave the first partition out of
 * reach (the name then means the second). A run only reaches step `i` when every earlier step met
 * its expect, so a name is open there exactly when its last createPartition expected ok and no
 * closePartition of it followed: the rule is exact, not a guess. A createPartition expected to fail
 * binds nothing and may reuse an open name.
 */
function checkStillOpen(step: Step, path: string, i: number, open: Map<string, number>): void {
  if (step.op === 'closePartition') open.delete(step.partition);
  if (step.op !== 'createPartition' || step.expect !== 'ok') return;
  const first = open.get(step.partition);
  if (first !== undefined) {
    throw new ScenarioError(
      childPath(path, 'partition'),
      'conflict',
      `partition '${step.partition}' is still open (created by $.steps[${first}], not closed since); close it (closePartition) before creating it again, or use another name`,
    );
  }
  open.set(step.partition, i);
}

/**
 * Load one step on its own (a step a log's intent record carries). With `created`, the step's
 * partition must be in it (and a createPartition step adds its own); with null that check is left
 * out, as when replay resumes from a snapshot. Throws a ScenarioError naming the path and the rule.
 *
 * @example
 * loadStep({ op: 'createVp', partition: 'vm0', vpIndex: 1 }, '$.step', null).op; // 'createVp'
 */
export function loadStep(value: unknown, path: string, created: Set<string> | null): Step {
  return readStep(value, path, created);
}

function readStep(value: unknown, path: string, created: Set<string> | null): Step {
  const obj = expectObject(value, path, 'a step');
  const opPath = childPath(path, 'op');
  if (!Object.hasOwn(obj, 'op')) throw new ScenarioError(opPath, 'required', "missing required field 'op'");
  const op = obj.op;
  if (typeof op !== 'string')
    throw new ScenarioError(opPath, 'type', `expected an op name, got ${describeJson(op)}`);
  if (!Object.hasOwn(StepSpecs, op)) throw unknownName(opPath, 'op', op, stepOps, 'unknown-op');
  const spec = StepSpecs[op as StepOp];
  const what = `a ${op} step`;
  checkFields(obj, path, ['op', ...Object.keys(commonStepSpec), ...Object.keys(spec)], what);
  const common = readFields(obj, path, commonStepSpec, what);
  const step = { op, ...common, ...readFields<object>(obj, path, spec, what) } as Step;
  checkStep(step, path);
  if (created === null) return step;
  if (step.op === 'createPartition') created.add(step.partition);
  else if (!created.has(step.partition)) {
    const known = created.size === 0 ? 'none yet' : [...created].join(', ');
    throw new ScenarioError(
      childPath(path, 'partition'),
      'unknown-partition',
      `partition '${step.partition}' is not created by an earlier createPartition step (created: ${known})`,
    );
  }
  return step;
}

/**
 * Parse scenario text (JSON) and load it; every error carries the line and column of the value it
 * names (or, for a missing field, of the object that lacks it).
 *
 * @example
 * parseScenarioText('{"format": 1, "name": "x", "seed": 1, "steps": []}').name; // 'x'
 */
export function parseScenarioText(text: string): Scenario {
  const { value, positions } = parseJson(text, { integersOnly: true });
  try {
    return loadScenario(value);
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    let path: string | undefined = e.path;
    while (path !== undefined && !positions.has(path)) path = parentPath(path);
    throw e.at(path === undefined ? undefined : positions.get(path));
  }
}
