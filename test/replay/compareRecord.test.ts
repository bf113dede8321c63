import { describe, expect, it } from 'vitest';
import { encodeRecord } from '../../src/log/encodeRecord.js';
import type { LogRecord } from '../../src/log/LogRecord.js';
import { compareRecord } from '../../src/replay/compareRecord.js';
import { examples } from '../log/recordExamples.js';

const result: LogRecord = examples.result;
const resultId = examples.result.kind === 'result' ? (examples.result.id ?? 0) : 0;

describe('compareRecord', () => {
  it('a stored body equal to the canonical one is identical; a changed value is named by its path', () => {
    const body = encodeRecord(result);
    expect(compareRecord({ seq: 9, kind: 'result', record: result, body }, result)).toBeNull();
    const changed = { ...examples.result, id: resultId + 1 } as LogRecord;
    const d = compareRecord({ seq: 9, kind: 'result', record: changed, body: encodeRecord(changed) }, result);
    expect(d?.reason).toBe('result differs at id');
  });

  it('a stored body with the same values in another text form is named as not canonical (an edited log), never "differs at" nothing', () => {
    const canonical = encodeRecord(result);
    const reordered = JSON.stringify(
      Object.fromEntries(Object.entries(JSON.parse(canonical) as object).reverse()),
      null,
      1,
    );
    expect(reordered).not.toBe(canonical);
    const d = compareRecord({ seq: 9, kind: 'result', record: result, body: reordered }, result);
    expect(d).toMatchObject({ seq: 9, expectedKind: 'result', actualKind: 'result' });
    expect(d?.reason).toMatch(
      /^result: the stored body has the same values in another form .* not canonical JSON/,
    );
  });
});
