import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { beforeAll, describe, expect, it } from 'vitest';
import { LogError } from '../../src/log/LogError.js';
import { openLog } from '../../src/log/LogReader.js';
import { useTempDir } from './tempDir.js';
import { transpileForChild } from './transpileForChild.js';

const CHILD = resolve(import.meta.dirname, 'fixtures/liveWriterChild.ts');
/** Opens beside the writer: about 2 s; the earlier scan failed about one open in 15 of them. */
const OPENS = 250;
/** The child's own bound, far more than it writes while the parent opens (it is killed then). */
const CHILD_MAX_SEQ = 400_000;

const tempDir = useTempDir();
let moduleRoot = '';

beforeAll(() => {
  moduleRoot = join(tempDir(), 'modules');
  transpileForChild(['src/log/LogWriter.ts', 'test/log/sampleRecords.ts'], moduleRoot);
});

describe('a log its writer is still writing reads up to its last commit (log review item 2)', () => {
  it(`${String(OPENS)} opens beside a writer appending and restarting its -wal report no damage`, async () => {
    const log = join(tempDir(), 'live.log');
    const child = spawn(process.execPath, ['--no-warnings', CHILD, moduleRoot, log, String(CHILD_MAX_SEQ)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<void>((done) => {
      child.on('exit', () => {
        done();
      });
    });
    let goSeq: number;
    try {
      const lines = createInterface({ input: child.stdout });
      const first = await new Promise<string>((done) => lines.once('line', done));
      expect(first).toMatch(/^go \d+$/);
      goSeq = Number(first.slice(3));
      const failures: string[] = [];
      for (let i = 0; i < OPENS; i += 1) {
        try {
          openLog(log).close();
        } catch (e) {
          if (!(e instanceof LogError)) throw e;
          failures.push(e.message);
        }
      }
      expect(failures).toEqual([]);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    // What the kill left reads to its last commit.
    const reader = openLog(log);
    try {
      const verdict = reader.verify();
      expect(verdict.error).toBeNull();
      // The writer was live throughout: it went on committing while the parent opened the log.
      expect(verdict.lastGoodSeq).toBeGreaterThan(goSeq + 10_000);
    } finally {
      reader.close();
    }
  }, 20_000);
});
