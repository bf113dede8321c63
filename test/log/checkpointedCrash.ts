import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogWriter } from '../../src/log/LogWriter.js';
import { sampleRecord } from './sampleRecords.js';
import { testHeader } from './tempDir.js';

/**
 * A crashed log whose main file holds records: 2,100 sample records written in 700 commits of 3
 * (past SQLite's automatic checkpoint, every ~1000 pages), then the main file and the -wal copied to
 * DIR/NAME while the writer still runs, as a crash (or a copy taken beside the writer) leaves them.
 * Returns the copy's path and the last seq it holds.
 *
 * @example
 * const { path, lastSeq } = checkpointedCrash(dir, 'cut.log'); // path, path-wal; lastSeq 2100
 */
export function checkpointedCrash(
  dir: string,
  name: string,
): { readonly path: string; readonly lastSeq: number } {
  const live = join(dir, `${name}.live`);
  const w = LogWriter.create(live, testHeader, { durability: 'normal' });
  let seq = 0;
  for (let op = 0; op < 700; op += 1) {
    for (let i = 0; i < 3; i += 1) w.append(sampleRecord((seq += 1)));
    w.commit();
  }
  const path = join(dir, name);
  copyFileSync(live, path);
  copyFileSync(`${live}-wal`, `${path}-wal`);
  w.close();
  return { path, lastSeq: seq };
}
