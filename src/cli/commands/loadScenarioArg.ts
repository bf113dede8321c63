import { readFile } from 'node:fs/promises';
import { isCounterexampleJson } from '../../check/Counterexample.js';
import { readScenarioFile } from '../../scenario/readScenarioFile.js';
import type { Scenario } from '../../scenario/Scenario.js';
import { ScenarioError } from '../../scenario/ScenarioError.js';
import { CliError } from '../CliError.js';
import { fileError } from '../fileError.js';

/**
 * Load the scenario named on the command line; loader errors become exit-2 CLI errors with path and
 * rule. A file that does not load as a scenario but is a check model (`intents` and no `steps`) or
 * a counterexample of `check` (its `format`) is named as such, pointing at `check`, rather than
 * blamed for the first scenario field it lacks.
 *
 * @example
 * await loadScenarioArg('missing.json', usage); // throws CliError 'missing.json: no such file'
 * await loadScenarioArg('docs/check/default-model.json', usage); // throws CliError '…: this is a check model …'
 */
export async function loadScenarioArg(path: string | undefined, usage: string): Promise<Scenario> {
  if (path === undefined) throw new CliError(`missing SCENARIO\n${usage}`);
  try {
    return await readScenarioFile(path);
  } catch (e) {
    if (e instanceof ScenarioError) throw new CliError((await checkFileKind(path)) ?? e.message);
    throw fileError(path, e) ?? e;
  }
}

/** The refusal for a file of `check` (a model or a counterexample), or undefined for anything else. */
async function checkFileKind(path: string): Promise<string | undefined> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const has = (key: string): boolean => Object.hasOwn(value, key);
  const kind = isCounterexampleJson(value)
    ? 'a counterexample of check (its "format")'
    : has('intents') && !has('steps')
      ? 'a check model (it has "intents", not "steps")'
      : undefined;
  return kind === undefined
    ? undefined
    : `${path}: this is ${kind}, not a scenario; run it with 'mshv-control check ${path}' (docs/guide/check.md)`;
}
