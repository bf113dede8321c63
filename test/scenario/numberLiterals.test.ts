import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseScenarioText } from '../../src/scenario/loadScenario.js';
import { parseJson } from '../../src/scenario/parseJson.js';
import { readScenarioFile } from '../../src/scenario/readScenarioFile.js';
import { scenarioErrorOf as errorOf } from './scenarioErrorOf.js';

/** A scenario whose createVp step's vpIndex is the literal text `vpIndex`. */
const withVpIndex = (vpIndex: string): string =>
  `{"format":1,"name":"t","seed":1,"steps":[{"op":"createPartition","partition":"vm0"},{"op":"createVp","partition":"vm0","vpIndex":${vpIndex}}]}`;

describe('scenario number literals are JSON integers (review finding 6)', () => {
  it.each([
    ['1e2', 'write 100'],
    ['1.0', 'write 1'],
    ['1E2', 'write 100'],
    ['1.50e1', 'write 15'],
    ['0.0', 'write 0'],
    ['1e-400', 'its value is not an integer'],
    ['1.5', 'its value is not an integer'],
    ['1e400', 'its value has 401 digits'],
    ['9.007199254740993e15', 'write it as a string: "9007199254740993"'],
  ])('refuses %s with rule integer, quoting the literal (%s)', (literal, hint) => {
    const e = errorOf(() => parseScenarioText(withVpIndex(literal)));
    expect(e.rule).toBe('integer');
    expect(e.path).toBe('$.steps[1].vpIndex');
    expect(e.detail).toBe(
      `${literal} is not an integer literal (scenario numbers are JSON integers: no '.', 'e' or 'E'); ${hint}`,
    );
    expect(e.message).not.toContain('Infinity');
    expect(e.position).toEqual({ line: 1, column: withVpIndex(literal).indexOf(literal) + 1 });
  });

  it('refuses "format": 1.0 (it loaded as format 1)', () => {
    const e = errorOf(() => parseScenarioText('{"format":1.0,"name":"t","seed":1,"steps":[]}'));
    expect({ path: e.path, rule: e.rule }).toEqual({ path: '$.format', rule: 'integer' });
  });

  it('still loads plain integers, negative fds included', () => {
    const s = parseScenarioText(withVpIndex('100'));
    expect(s.steps[1]).toMatchObject({ op: 'createVp', vpIndex: 100 });
  });

  it('keeps fractions for other JSON readers (a check model rate such as 0.3), but never reads Infinity', () => {
    expect(parseJson('{"faultRateMax": 0.3}').value).toEqual({ faultRateMax: 0.3 });
    const e = errorOf(() => parseJson('{"faultRateMax": -1e400}'));
    expect(e.rule).toBe('precision');
    expect(e.detail).toBe('JSON number -1e400 is beyond the range of a double (it would read as -Infinity)');
  });
});

describe('a UTF-8 byte order mark is named (review finding 13)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mshv-bom-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a file starting with EF BB BF, naming the mark instead of an invisible character', async () => {
    const file = join(dir, 'bom.json');
    const text = '{"format":1,"name":"t","seed":1,"steps":[]}';
    writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
    await expect(readScenarioFile(file)).rejects.toMatchObject({
      rule: 'json-syntax',
      path: '$',
      message: `${file}:1:1: $: a UTF-8 byte order mark (EF BB BF) starts the text; JSON text has none (RFC 8259 §8.1): save the file as UTF-8 without a BOM`,
    });
    writeFileSync(file, text);
    await expect(readScenarioFile(file)).resolves.toMatchObject({ name: 't' });
  });

  it('names an invisible character elsewhere by its code point', () => {
    const e = errorOf(() => parseJson('{"a": \u00a01}'));
    expect(e.detail).toBe('JSON syntax: expected a value, found character U+00A0');
  });
});
