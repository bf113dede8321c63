import { parseJson } from '../scenario/parseJson.js';
import { ScenarioError } from '../scenario/ScenarioError.js';
import { ImportError } from './ImportError.js';

/** A string token, and whether a `:` follows it (then it is a member name). */
const STRING_TOKEN = /"[^"\\]*(?:\\.[^"\\]*)*"(\s*:)?/g;

/**
 * Parse one export line: a JSON object, in which no object names a key twice. JSON.parse would
 * keep the last of two equal keys and drop the other without a word, so a tampered line
 * (`"status":"0x…06","status":"0x…00"`) could say two things and import as one. The check costs a
 * count: the member names in the text against the members parsed; only a line where they differ
 * is parsed again by the scenario loader's strict parser (`parseJson`), which names the key and
 * its column. Throws an ImportError (bad input) naming the line.
 *
 * @example
 * parseImportLine('{"a":1,"a":2}', 6); // throws "line 6: $.a: key 'a' appears twice in one object (column 8)"
 */
export function parseImportLine(raw: string, line: number): Readonly<Record<string, unknown>> {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    throw new ImportError(line, null, false, `not JSON (${(e as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ImportError(line, null, false, 'expected a JSON object');
  if (memberNamesIn(raw) !== membersOf(v)) throw duplicateKey(raw, line);
  return v as Readonly<Record<string, unknown>>;
}

/** Member names in JSON text that parsed: string tokens followed by `:` (outside strings no `"` occurs). */
function memberNamesIn(text: string): number {
  let n = 0;
  for (const m of text.matchAll(STRING_TOKEN)) if (m[1] !== undefined) n += 1;
  return n;
}

/** Members of every object in a parsed value (JSON.parse keeps one member per distinct key). */
function membersOf(v: unknown): number {
  if (typeof v !== 'object' || v === null) return 0;
  let n = 0;
  if (Array.isArray(v)) {
    for (const x of v) n += membersOf(x);
    return n;
  }
  for (const x of Object.values(v)) n += 1 + membersOf(x);
  return n;
}

function duplicateKey(raw: string, line: number): ImportError {
  try {
    parseJson(raw);
  } catch (e) {
    if (e instanceof ScenarioError && e.rule === 'duplicate-key')
      return new ImportError(
        line,
        null,
        false,
        `${e.path}: ${e.detail}${e.position === undefined ? '' : ` (column ${e.position.column})`}; JSON.parse would keep the last and drop the other, so the line is refused`,
      );
  }
  return new ImportError(line, null, false, 'an object names the same key twice; the line is refused');
}
