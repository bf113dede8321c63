import { describe, expect, it } from 'vitest';
import { openLog } from '../../src/log/LogReader.js';
import { markedLog, patchMarker } from './markedLog.js';
import { useTempDir } from './tempDir.js';

const tempDir = useTempDir();

/** A closed log whose seq 20 is a transition and seq 30 an intent, each with a marker to flip. */
function makeLog(): string {
  return markedLog(tempDir(), {
    20: { kind: 'transition', machine: 'flip-transition-X', from: 'a', event: 'E', to: 'b' },
    30: { kind: 'intent', name: 'flip-intent-X', args: {} },
  });
}

const flip = (path: string, marker: string): void => {
  patchMarker(path, marker, 'Y');
};

function readError(
  path: string,
  options: Parameters<ReturnType<typeof openLog>['records']>[0],
): string | null {
  const log = openLog(path);
  try {
    Array.from(log.records(options));
    return null;
  } catch (e) {
    return (e as Error).message;
  } finally {
    log.close();
  }
}

describe('records({ checksumKinds }): recompute only some kinds’ checksums (replay’s inputs)', () => {
  it('a flipped byte in a kind left out reads through; in a listed kind it is named; every check else still runs', () => {
    const path = makeLog();
    flip(path, 'flip-transition-X');
    expect(readError(path, { checksumKinds: ['intent', 'snapshot'] })).toBeNull();
    expect(readError(path, {})).toMatch(/seq 20: checksum mismatch/);
    const other = makeLog();
    flip(other, 'flip-intent-X');
    expect(readError(other, { checksumKinds: ['intent', 'snapshot'] })).toMatch(/seq 30: checksum mismatch/);
    // The end marker is still checked against the chain's last stored checksum.
    const log = openLog(path);
    expect([...log.records({ checksumKinds: ['intent'] })]).toHaveLength(40);
    log.close();
  });
});
