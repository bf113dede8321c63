import { readScenarioFile } from '../../scenario/readScenarioFile.js';
import type { Scenario } from '../../scenario/Scenario.js';
import { ScenarioError } from '../../scenario/ScenarioError.js';
import { CliError } from '../CliError.js';
import { fileError } from '../fileError.js';

/**
 * Load the scenario named on the command line; loader errors become exit-2 CLI errors with path and rule.
 *
 * @example
 * await loadScenarioArg('missing.json', usage); // throws CliError 'missing.json: no such file'
 */
export async function loadScenarioArg(path: string | undefined, usage: string): Promise<Scenario> {
  if (path === undefined) throw new CliError(`missing SCENARIO\n${usage}`);
  try {
    return await readScenarioFile(path);
  } catch (e) {
    if (e instanceof ScenarioError) throw new CliError(e.message);
    throw fileError(path, e) ?? e;
  }
}
