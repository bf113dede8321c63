import { readFile, stat } from 'node:fs/promises';
import { parseScenarioText } from './loadScenario.js';
import { scenarioTextCharsMax } from './parseJson.js';
import type { Scenario } from './Scenario.js';
import { ScenarioError } from './ScenarioError.js';

/**
 * Read and load a scenario file (UTF-8 JSON). Loader errors name the file, line and column:
 * `boot.json:12:20: $.steps[3].vpIndex: 4294967296 does not fit u32`. File system errors (missing
 * file, permissions) are passed through unchanged.
 *
 * @example
 * const scenario = await readScenarioFile('docs/scenarios/boot-4k.json');
 */
export async function readScenarioFile(file: string): Promise<Scenario> {
  const { size } = await stat(file);
  // A UTF-8 file has at least as many bytes as UTF-16 code units; refuse to read a huge one at all.
  if (size > scenarioTextCharsMax * 3) {
    throw new ScenarioError(
      '$',
      'json-limit',
      `file is ${size} bytes; a scenario is at most ${scenarioTextCharsMax} characters`,
    ).inFile(file);
  }
  const text = await readFile(file, 'utf8');
  try {
    return parseScenarioText(text);
  } catch (e) {
    throw e instanceof ScenarioError ? e.inFile(file) : e;
  }
}
