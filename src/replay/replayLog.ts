import type { LogHeader } from '../log/LogHeader.js';
import { LogError } from '../log/LogError.js';
import { openLog } from '../log/LogReader.js';
import type { LogRecord } from '../log/LogRecord.js';
import type { LoggedRecord } from './LoggedRecord.js';
import { memorySource, readerSource } from './ReplaySource.js';
import { type ReplayOptions, type ReplayVerdict, replaySession } from './replaySession.js';
import { replayOptionsError } from './replayOptionsError.js';

/**
 * Replay a log file (opened read-only; nothing is written) and return the verdict. A file that is
 * not a log is `bad-input`; a damaged one `damaged`, naming the record.
 *
 * @example
 * const v = replayLog('run.log');
 * v.status; // 'identical'
 */
export function replayLog(path: string, options: ReplayOptions = {}): ReplayVerdict {
  const badOption = replayOptionsError(options);
  if (badOption !== null) return { status: 'bad-input', message: badOption };
  let reader;
  try {
    reader = openLog(path);
  } catch (e) {
    if (e instanceof LogError)
      return e.isBadInput
        ? { status: 'bad-input', message: e.message }
        : { status: 'damaged', message: e.message, seq: e.seq };
    throw e;
  }
  try {
    return replaySession(readerSource(reader, options.checksums), options).verdict;
  } finally {
    reader.close();
  }
}

/**
 * Replay records held in memory (a MemorySink's, a model checker's trace) under their header.
 * `closed: false` treats the end of `records` as a crash point.
 *
 * @example
 * replayRecords(header, sink.records).status; // 'identical'
 */
export function replayRecords(
  header: LogHeader,
  records: readonly (LogRecord | LoggedRecord)[],
  options: ReplayOptions & { readonly closed?: boolean } = {},
): ReplayVerdict {
  const badOption = replayOptionsError(options, ['closed']);
  if (badOption !== null) return { status: 'bad-input', message: badOption };
  const { closed, ...rest } = options;
  return replaySession(memorySource(header, records, closed === undefined ? {} : { closed }), rest).verdict;
}
