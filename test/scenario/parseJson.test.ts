import { describe, expect, it } from 'vitest';
import { childPath, parentPath } from '../../src/scenario/jsonPath.js';
import { jsonDepthMax, parseJson, scenarioTextCharsMax } from '../../src/scenario/parseJson.js';
import { ScenarioError } from '../../src/scenario/ScenarioError.js';

function errorOf(text: string): ScenarioError {
  try {
    parseJson(text);
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('parseJson: strict JSON with positions (scenario loader)', () => {
  it('parses what JSON.parse parses, escapes included', () => {
    const text = '{"a":[1,-2.5e3,true,false,null,"x\\u00e9\\n\\"\\\\\\/"],"b":{},"c":[]}';
    expect(parseJson(text).value).toEqual(JSON.parse(text));
  });

  it('records the line and column where each value starts, by JSON path', () => {
    const { positions } = parseJson('{\n  "steps": [\n    { "op": "createVp" }\n  ]\n}');
    expect(positions.get('$')).toEqual({ line: 1, column: 1 });
    expect(positions.get('$.steps')).toEqual({ line: 2, column: 12 });
    expect(positions.get('$.steps[0]')).toEqual({ line: 3, column: 5 });
    expect(positions.get('$.steps[0].op')).toEqual({ line: 3, column: 13 });
  });

  it.each([
    ['{"a": 1,}', 'trailing comma before }', 1, 9],
    ['[1, 2,]', 'trailing comma before ]', 1, 7],
    ["{'a': 1}", 'expected a member name in double quotes', 1, 2],
    ['{"a" 1}', "expected ':' after member name", 1, 6],
    ['{"a": 0x10}', 'hex, sizes and units go in a string', 1, 7],
    ['{"a": 01}', 'no leading zero', 1, 7],
    ['{"a": "x\n"}', 'control character in a string', 1, 9],
    ['{"a": "\\q"}', "invalid escape '\\q'", 1, 8],
    ['{"a": "open', 'unterminated string', 1, 7],
    ['{"a": tru}', 'expected a value', 1, 7],
    ['{"a": 1}\n{"b": 2}', 'after the document', 2, 1],
    ['', 'expected a value, found end of text', 1, 1],
    ['// comment\n{}', 'expected a value', 1, 1],
  ])('rejects %j: %s at line %i column %i', (text, detail, line, column) => {
    const e = errorOf(text);
    expect(e.rule).toBe('json-syntax');
    expect(e.detail).toContain(detail);
    expect(e.position).toEqual({ line, column });
  });

  it('rejects a key given twice (JSON.parse keeps the last silently)', () => {
    const e = errorOf('{"steps": [{"op": "createVp", "vpIndex": 0, "vpIndex": 1}]}');
    expect({ path: e.path, rule: e.rule, position: e.position }).toEqual({
      path: '$.steps[0].vpIndex',
      rule: 'duplicate-key',
      position: { line: 1, column: 45 },
    });
  });

  it('keeps "__proto__" as a plain member (so the loader reports it as an unknown field)', () => {
    const value = parseJson('{"__proto__": {"polluted": true}}').value as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });

  it('rejects an integer literal at or beyond 2^53 with its exact digits', () => {
    expect(parseJson('9007199254740991').value).toBe(9007199254740991);
    const e = errorOf('{"seed": 9007199254740993}');
    expect(e.rule).toBe('precision');
    expect(e.detail).toContain('9007199254740993');
    expect(errorOf('1e300').rule).toBe('precision');
  });

  it('bounds nesting depth and text size', () => {
    expect(parseJson('['.repeat(jsonDepthMax + 1) + ']'.repeat(jsonDepthMax + 1)).value).toBeDefined();
    expect(errorOf('['.repeat(jsonDepthMax + 2) + ']'.repeat(jsonDepthMax + 2)).rule).toBe('json-limit');
    expect(errorOf(' '.repeat(scenarioTextCharsMax + 1)).rule).toBe('json-limit');
  });
});

describe('JSON paths', () => {
  it('writes identifier keys with a dot, others quoted, and walks back up', () => {
    const odd = childPath(childPath('$', 'hostMemory'), 'a"b[c]');
    expect(odd).toBe('$.hostMemory["a\\"b[c]"]');
    const p = childPath(childPath(odd, 3), 'x');
    expect(p).toBe('$.hostMemory["a\\"b[c]"][3].x');
    expect(parentPath(p)).toBe('$.hostMemory["a\\"b[c]"][3]');
    expect(parentPath(parentPath(p)!)).toBe(odd);
    expect(parentPath(odd)).toBe('$.hostMemory');
    expect(parentPath('$.hostMemory')).toBe('$');
    expect(parentPath('$')).toBeUndefined();
  });
});
