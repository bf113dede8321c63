import { describe, expect, it } from 'vitest';
import { hexBytes } from '../../src/scenario/Codec.js';
import { parseScenarioText } from '../../src/scenario/loadScenario.js';
import { scenarioErrorOf as errorOf } from './scenarioErrorOf.js';

const codec = hexBytes(0xffff, 'in_sz (u16)');

describe('hex byte strings: whitespace only between pairs (review finding 11)', () => {
  it('reads pairs with any whitespace between them and around the whole', () => {
    expect([...codec.read('0a0b 0c', '$.input')]).toEqual([10, 11, 12]);
    expect([...codec.read(' 0a\n\t0b  0c0d ', '$.input')]).toEqual([10, 11, 12, 13]);
    expect([...codec.read('0000000000000000 00000000 00 00 0000', '$.input')]).toHaveLength(16);
    expect([...codec.read('', '$.input')]).toEqual([]);
  });

  it.each([
    ['0 a', '"0 a" splits a byte (after hex digit 1)'],
    ['0a0 b', '"0 b" splits a byte (after hex digit 3)'],
    ['0a 0\n\nb', '"0\\n\\nb" splits a byte (after hex digit 3)'],
  ])('refuses %j with rule hex, naming the split', (text, detail) => {
    const e = errorOf(() => codec.read(text, '$.steps[3].input'));
    expect(e.rule).toBe('hex');
    expect(e.message).toBe(`$.steps[3].input: ${detail}; whitespace goes only between pairs of hex digits`);
  });

  it('refuses the single-digit spelling that used to load as 16 bytes, at the field', () => {
    const text = JSON.stringify({
      format: 1,
      name: 't',
      seed: 1,
      steps: [
        { op: 'createPartition', partition: 'vm0' },
        { op: 'rootHvcall', partition: 'vm0', code: 'GET_PARTITION_PROPERTY', input: '0 0 0 0 0 1 0 0' },
      ],
    });
    const e = errorOf(() => parseScenarioText(text));
    expect({ path: e.path, rule: e.rule }).toEqual({ path: '$.steps[1].input', rule: 'hex' });
  });

  it('still names a character that is not a hex digit, and an odd count', () => {
    expect(errorOf(() => codec.read('0x00', '$.input')).detail).toBe(
      "'x' is not a hex digit (write bytes as hex pairs, no 0x)",
    );
    expect(errorOf(() => codec.read('0a 0', '$.input')).detail).toBe('odd number of hex digits (3)');
  });
});
