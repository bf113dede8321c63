import {
  accessSync,
  constants,
  lstatSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  type Stats,
} from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, sep } from 'node:path';
import { ImportTargetError } from './ImportError.js';

/** SQLite's side files: a stale one beside a new log would be read as part of it. */
const SIDE_FILES = ['-wal', '-journal', '-shm'] as const;

/**
 * Check that `target` is a path a new log can be created at, before an import reads a line:
 * a file path (not empty, not ending in a separator), nothing there (not even a dangling symbolic
 * link), no `-wal`, `-journal` or `-shm` beside it (SQLite would apply another database's journal
 * to the new file, as `LogWriter.create` refuses too), and an existing, writable directory.
 * Throws an ImportTargetError naming the rule.
 *
 * @example
 * checkImportTarget('/tmp/copy.log'); // throws when /tmp/copy.log-wal exists
 */
export function checkImportTarget(target: string): void {
  const refuse = (why: string): never => {
    throw new ImportTargetError(target, why);
  };
  if (target === '') refuse('not a file path (it is empty)');
  if (target.endsWith('/') || target.endsWith(sep)) refuse(`not a file path (it ends with '${sep}')`);
  const name = basename(target);
  if (name === '.' || name === '..') refuse(`not a file path (it names a directory)`);
  if (lstatOrNull(target) !== null)
    refuse(
      statOrNull(target)?.isDirectory() === true
        ? 'is a directory: import writes a new log file'
        : 'exists: import writes a new log and never overwrites one',
    );
  for (const side of SIDE_FILES)
    if (lstatOrNull(`${target}${side}`) !== null)
      refuse(
        `${target}${side} exists beside it (left by another database: SQLite would take it for the new log's own); remove it or import to another path`,
      );
  const dir = dirname(target);
  const d = statOrNull(dir);
  if (d === null) refuse(`no such directory ${dir}`);
  if (d?.isDirectory() !== true) refuse(`${dir} is not a directory`);
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch {
    refuse(`cannot create files in ${dir} (permission denied)`);
  }
}

/**
 * Re-check the side files just before the new log is linked into place (one may have appeared).
 *
 * @example
 * checkNoSideFiles('/tmp/copy.log'); // throws an ImportTargetError once /tmp/copy.log-wal appeared
 */
export function checkNoSideFiles(target: string): void {
  for (const side of SIDE_FILES)
    if (lstatOrNull(`${target}${side}`) !== null)
      throw new ImportTargetError(target, `${target}${side} appeared beside it during the import`);
}

/**
 * Where an import builds its log: a new directory beside `target` named
 * `.NAME.import-HOST-PID-XXXXXX` (NAME the target's file name, HOST this machine's name in
 * letters, digits and `_`, PID the importing process), removed when the import ends. Only a killed
 * import leaves one behind; `sweepStaleImports` recognises it by that name.
 *
 * @example
 * makeImportDir('/tmp/copy.log'); // '/tmp/.copy.log.import-myhost-4242-Ab12Cd'
 */
export function makeImportDir(target: string): string {
  try {
    return mkdtempSync(join(dirname(target), `.${basename(target)}.import-${hostTag()}-${process.pid}-`));
  } catch (e) {
    throw new ImportTargetError(
      target,
      `cannot create the import's directory beside it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
}

/** What `sweepStaleImports` did with the import directories it found beside a target. */
export interface StaleImports {
  /** Left by an import on this machine whose process is gone: removed. */
  readonly removed: readonly string[];
  /**
   * Kept: from an import that may still be running (its process is alive, it ran on another
   * machine, or an earlier build named it without its process), or holding files an import does
   * not write.
   */
  readonly kept: readonly string[];
}

/** The files an import's directory can hold: the log and SQLite's side files. */
const IMPORT_DIR_FILES = new Set(['log', 'log-wal', 'log-shm', 'log-journal']);

/**
 * Find the directories earlier imports of `target` left beside it (a killed import cannot remove
 * its own) and remove those that are certainly dead: named by this machine, by a process that no
 * longer exists, holding only the files an import writes. Everything else is kept and listed: a
 * directory of an import still running must not be pulled from under it, and a PID alone cannot
 * tell on another machine sharing the directory. A kept directory holds only a partial copy of a
 * JSON Lines file, never a log anyone else refers to.
 *
 * @example
 * sweepStaleImports('/tmp/copy.log'); // { removed: ['/tmp/.copy.log.import-myhost-4242-Ab12Cd'], kept: [] }
 */
export function sweepStaleImports(target: string): StaleImports {
  const dir = dirname(target);
  const prefix = `.${basename(target)}.import-`;
  const removed: string[] = [];
  const kept: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return { removed, kept };
  }
  for (const name of names.sort()) {
    if (!name.startsWith(prefix)) continue;
    const rest = name.slice(prefix.length);
    const path = join(dir, name);
    const ours = /^([A-Za-z0-9_]+)-([0-9]+)-[A-Za-z0-9]{6}$/.exec(rest);
    const legacy = /^[A-Za-z0-9]{6}$/.test(rest);
    if (ours === null && !legacy) continue;
    const st = lstatOrNull(path);
    if (st?.isDirectory() !== true) continue;
    if (ours?.[1] !== hostTag() || processAlive(Number(ours[2])) || !onlyImportFiles(path)) {
      kept.push(path);
      continue;
    }
    try {
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    } catch {
      kept.push(path);
    }
  }
  return { removed, kept };
}

function hostTag(): string {
  return (
    hostname()
      .replace(/[^A-Za-z0-9_]/g, '_')
      .slice(0, 64) || 'host'
  );
}

/** Alive, or not ours to tell (EPERM: another user's live process). */
function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return true;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function onlyImportFiles(path: string): boolean {
  try {
    return readdirSync(path).every((f) => IMPORT_DIR_FILES.has(f));
  } catch {
    return false;
  }
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}
