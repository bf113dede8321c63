import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadScenario, parseScenarioText } from '../../src/scenario/loadScenario.js';
import { scenarioToJson, scenarioToText } from '../../src/scenario/scenarioToJson.js';
import { scenarioArbitrary } from './scenarioArbitrary.js';

describe('scenario round trip (a valid scenario keeps its meaning when written and read back)', () => {
  it('loadScenario(JSON of scenarioToJson(s)) equals s, bigints rendered as strings', () => {
    fc.assert(
      fc.property(scenarioArbitrary, (s) => {
        const json = JSON.stringify(scenarioToJson(s));
        expect(loadScenario(JSON.parse(json))).toStrictEqual(s);
      }),
      { numRuns: 300 },
    );
  });

  it('parseScenarioText(scenarioToText(s)) equals s (the text parser agrees with JSON.parse)', () => {
    fc.assert(
      fc.property(scenarioArbitrary, (s) => {
        expect(parseScenarioText(scenarioToText(s))).toStrictEqual(s);
      }),
      { numRuns: 100 },
    );
  });

  it('writes names where the uapi has them and raw numbers for unknown bits', () => {
    const s = loadScenario({
      format: 1,
      name: 'n',
      seed: 0,
      steps: [
        { op: 'createPartition', partition: 'p', flags: '0x8000000000000001' },
        { op: 'setGuestMemory', partition: 'p', guestPfn: 0, size: '2MiB', userAddr: 0, flags: ['UNMAP'] },
        { op: 'getVpState', partition: 'p', vpIndex: 0, type: 9, bufSize: '4K' },
      ],
    });
    expect(scenarioToJson(s)).toEqual({
      format: 1,
      name: 'n',
      seed: 0,
      steps: [
        { op: 'createPartition', partition: 'p', flags: '0x8000000000000001' },
        {
          op: 'setGuestMemory',
          partition: 'p',
          guestPfn: '0x0',
          size: '2MiB',
          userAddr: '0x0',
          flags: ['UNMAP'],
        },
        { op: 'getVpState', partition: 'p', vpIndex: 0, type: 9, bufSize: 4096 },
      ],
    });
  });
});
