import { createReadStream, openSync, statSync } from 'node:fs';
import { exportLines } from '../../log/exportLog.js';
import { ImportError, ImportTargetError } from '../../log/ImportError.js';
import { importLog, LINE_CHARS_MAX } from '../../log/importLog.js';
import { jsonlLines } from '../../log/jsonlLines.js';
import { LogError, printableText } from '../../log/LogError.js';
import { openLog, type LogReader } from '../../log/LogReader.js';
import { RECORD_KINDS } from '../../log/LogRecord.js';
import { CliError } from '../CliError.js';
import type { CliIo, Command } from '../Command.js';
import { parseOptions } from '../parseOptions.js';

const usage = `usage: mshv-control log export LOG
       mshv-control log import JSONL LOG [--recompute-checksums] [--allow-unclosed]
       mshv-control log info LOG
export  JSON Lines on stdout: a header line, one line per record (seq, checksum, then its fields)
        and an end line when the log was closed; for a log that was not closed, the header line
        says its last seq instead ("unclosedLastSeq"). At the first damaged record it writes a
        damage line naming the seq ("damaged": true) and stops (exit 1).
import  a new log from an export. Never overwrites LOG, and refuses a LOG with a -wal, -journal or
        -shm beside it. A line whose content no longer matches its checksum fails the import,
        naming its seq (exit 1); --recompute-checksums accepts edited lines, writes new checksums
        and lists every edited record on stderr. A missing, added or reordered line, an end line
        that does not match, a damage line, or an export that stops before its end fails either
        way (exit 1). --allow-unclosed imports an export that shows no end (no end line and no
        "unclosedLastSeq": cut off, or an unclosed log exported by an earlier build) as an
        unclosed log. Lines longer than ${LINE_CHARS_MAX.toLocaleString('en-US')} characters (16 MiB + 1 KiB) and
        duplicate keys are refused (exit 2).
        A killed import leaves .LOG.import-HOST-PID-XXXXXX/ beside LOG; the next import of LOG
        removes it once that process is gone.
info    the header, records by kind, first and last seq, whether the log was closed, and the
        integrity verdict (every checksum is checked).
Options are flags, each at most once.
Exit codes: 0 ok, 1 integrity failure, 2 bad input (usage, an option given twice, a file that is not
a log), 3 internal error (a fault of mshv-control itself: one line, no stack trace). Reading never
modifies LOG.`;

const IMPORT_OPTIONS = { '--recompute-checksums': 'flag', '--allow-unclosed': 'flag' } as const;

/** `mshv-control log export|import|info`: the event log's JSON Lines form and its health. */
export const logCommand: Command = {
  name: 'log',
  summary: 'export a log as JSON Lines, import one, or show its header, counts and integrity',
  usage,
  async run(args, io) {
    const [sub, ...rest] = args;
    switch (sub) {
      case 'export':
        return exportCommand(
          operands(parseOptions(rest, {}, "expected 'log export LOG'").operands, 1, 'log export LOG'),
          io,
        );
      case 'import': {
        const form = 'log import JSONL LOG [--recompute-checksums] [--allow-unclosed]';
        const parsed = parseOptions(rest, IMPORT_OPTIONS, `expected '${form}'`);
        const [jsonl, target] = operands(parsed.operands, 2, form);
        return importCommand(jsonl ?? '', target ?? '', io, {
          recomputeChecksums: parsed.options.has('--recompute-checksums'),
          allowUnclosed: parsed.options.has('--allow-unclosed'),
        });
      }
      case 'info':
        return infoCommand(
          operands(parseOptions(rest, {}, "expected 'log info LOG'").operands, 1, 'log info LOG'),
          io,
        );
      default:
        throw new CliError(`unknown subcommand '${sub ?? ''}': expected export, import or info\n${usage}`);
    }
  },
};

/** The operands `parseOptions` left, exactly `n` of them, or the form the subcommand takes. */
function operands(rest: readonly string[], n: number, form: string): string[] {
  if (rest.length !== n) throw new CliError(`expected '${form}'`);
  return [...rest];
}

/** A LogError as a CLI failure: bad input exits 2, damage exits 1. */
function logFailure(e: unknown): never {
  if (e instanceof LogError) throw new CliError(e.message, e.isBadInput ? 2 : 1);
  throw e;
}

function open(path: string): LogReader {
  try {
    return openLog(path);
  } catch (e) {
    return logFailure(e);
  }
}

function exportCommand([path]: string[], io: CliIo): number {
  const log = open(path ?? '');
  try {
    for (const line of exportLines(log)) io.out(line);
  } catch (e) {
    logFailure(e);
  } finally {
    log.close();
  }
  return 0;
}

async function importCommand(
  jsonl: string,
  target: string,
  io: CliIo,
  options: { readonly recomputeChecksums: boolean; readonly allowUnclosed: boolean },
): Promise<number> {
  let fd: number;
  try {
    if (!statSync(jsonl).isFile()) throw new CliError(`${jsonl}: not a regular file`);
    fd = openSync(jsonl, 'r');
  } catch (e) {
    if (e instanceof CliError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(
      `${jsonl}: ${code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? String(e)})`}`,
    );
  }
  const input = createReadStream('', { fd, highWaterMark: 1 << 16 });
  try {
    const report = await importLog(jsonlLines(input, LINE_CHARS_MAX), target, {
      ...options,
      onStaleImports: ({ removed, kept }) => {
        for (const d of removed) io.err(`removed ${d}: left by an import of ${target} that was killed`);
        for (const d of kept)
          io.err(
            `note: ${d} is left by another import of ${target} (still running, or killed): remove it if none is running`,
          );
      },
    });
    if (report.headerEdited) io.err('header: edited; checksum recomputed');
    for (const e of report.edited)
      io.err(
        `line ${e.line} (seq ${e.seq}, ${e.kind}): edited; checksum ${e.statedChecksum} -> ${e.writtenChecksum}`,
      );
    if (report.edited.length > 0 || report.headerEdited)
      io.err(
        `recomputed: ${report.edited.length} edited record(s)${report.headerEdited ? ' and the header' : ''}; ` +
          `${report.rechained} later record(s) re-chained`,
      );
    if (report.endUnconfirmed)
      io.err(
        `warning: the export shows no end (no end line, no "unclosedLastSeq"); imported as an unclosed log ending at seq ${report.records}: if the export was cut off, the records after it are not in ${target}`,
      );
    const unclosed = report.endUnconfirmed
      ? ' (the export had no end line: the log stays unclosed)'
      : ' (the exported log was not closed: the new log stays unclosed too)';
    io.out(`imported ${report.records} records into ${target}${report.closed ? '' : unclosed}`);
    return 0;
  } catch (e) {
    if (e instanceof ImportError) throw new CliError(`${jsonl}: ${e.message}`, e.integrity ? 1 : 2);
    if (e instanceof ImportTargetError) throw new CliError(e.message);
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new CliError((e as Error).message);
    throw e;
  } finally {
    input.destroy();
  }
}

/** A read of the log that may meet a damaged page: its value, or the LogError naming the damage. */
function readable<T>(read: () => T): { ok: true; value: T } | { ok: false; error: LogError } {
  try {
    return { ok: true, value: read() };
  } catch (e) {
    if (e instanceof LogError) return { ok: false, error: e };
    throw e;
  }
}

function infoCommand([path]: string[], io: CliIo): number {
  const log = open(path ?? '');
  try {
    const h = log.header;
    // A damaged page the counts or the end marker live on is reported, then verify() names the
    // first record that does not read: never SQLite's raw error in place of the verdict.
    const stats = readable(() => log.stats());
    const end = readable(() => log.endMarker());
    io.out(`log: ${path ?? ''}`);
    io.out(`format version: ${h.formatVersion}`);
    io.out(`seed: ${h.seed}`);
    io.out(`product version: ${h.productVersion}`);
    io.out(`node version: ${h.nodeVersion}`);
    io.out(`created by: ${h.createdBy}`);
    io.out(`meta: ${JSON.stringify(h.meta)}`);
    io.out(`header checksum: ${log.headerChecksum}`);
    if (stats.ok) {
      const s = stats.value;
      io.out(
        `records: ${s.records}${s.firstSeq === null ? '' : ` (seq ${s.firstSeq}..${String(s.lastSeq)})`}`,
      );
      const kinds = [
        ...RECORD_KINDS,
        ...Object.keys(s.byKind).filter((k) => !(RECORD_KINDS as readonly string[]).includes(k)),
      ];
      // A kind column a damaged file holds is quoted printable (control bytes escaped).
      const shown = kinds.map((k) => ({ label: printableText(k), count: s.byKind[k] ?? 0 }));
      const width = Math.max(...shown.map((k) => k.label.length));
      for (const k of shown) io.out(`  ${`${k.label}:`.padEnd(width + 1)} ${k.count}`);
    } else io.out(`records: not counted: ${stats.error.message}`);
    if (!end.ok) io.out(`closed: unknown: ${end.error.message}`);
    else
      io.out(
        end.value === null
          ? 'closed: no (no end marker: the writer crashed or is still writing; valid up to its last commit)'
          : `closed: yes (end marker at seq ${end.value.lastSeq})`,
      );
    const v = log.verify();
    if (v.error === null) {
      io.out(`integrity: ok (${v.records} records, checksum chain verified)`);
      return 0;
    }
    io.out(`integrity: FAILED after ${v.records} good record(s): ${v.error.message}`);
    return 1;
  } catch (e) {
    return logFailure(e);
  } finally {
    log.close();
  }
}
