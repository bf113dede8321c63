import { readFile, stat } from 'node:fs/promises';
import { firstInvalidUtf8 } from './firstInvalidUtf8.js';
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
  const bytes = await readFile(file);
  // JSON text is UTF-8 (RFC 8259 §8.1): a byte that is not is named, never turned into U+FFFD.
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    const before = bytes.subarray(0, bad).toString('utf8').split('\n');
    throw new ScenarioError(
      '$',
      'json-syntax',
      `byte ${bad} (0x${(bytes[bad] ?? 0).toString(16).padStart(2, '0')}) is not UTF-8; a scenario is UTF-8 JSON (RFC 8259 §8.1)`,
      { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 },
    ).inFile(file);
  }
  const text = bytes.toString('utf8');
  try {
    return parseScenarioText(text);
  } catch (e) {
    throw e instanceof ScenarioError ? e.inFile(file) : e;
  }
}
