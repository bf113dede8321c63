import type { CallRecord } from '../../adapters/simulated/SimulatedHypervisor.js';
import { hypercallName } from '../hv/HypercallCode.js';
import { hvStatusName } from '../hv/HvStatus.js';
import { refusedTeardownCall } from '../pipeline/driver/refusedTeardownCall.js';
import type { LogHeader } from '../log/LogHeader.js';
import { LogError } from '../log/LogError.js';
import { openLog } from '../log/LogReader.js';
import type { LogRecord } from '../log/LogRecord.js';
import type { IntentDriver } from './IntentDriver.js';
import { type LiveInventory, liveInventory } from './liveInventory.js';
import type { LoggedRecord } from './LoggedRecord.js';
import { memorySource, readerSource, type ReplaySource } from './ReplaySource.js';
import { type ReplayOptions, type ReplayVerdict, replaySession } from './replaySession.js';
import { replayOptionsError } from './replayOptionsError.js';

export interface RecoverOptions extends ReplayOptions {
  /** Only rebuild and list what was live; close nothing. */
  readonly dryRun?: boolean;
}

/** One close(2) of the teardown, in the order it ran. */
export interface TeardownAction {
  readonly fd: number;
  /** `partition vm0`, `vp vm0/1`, `eventfd`. */
  readonly what: string;
  /** `ok`, or the errno name close returned. */
  readonly result: string;
}

/** What the simulated hypervisor holds after the teardown. */
export interface RecoverAudit {
  /** Page conservation holds (SimulatedMachine.audit). */
  readonly conserved: boolean;
  readonly violations: readonly string[];
  /** Pool pages still attributed to a deleted partition. */
  readonly leakedPages: number;
  /** Child partitions the hypervisor still has (not deleted). */
  readonly liveChildPartitions: number;
  /** Partitions the driver still has. */
  readonly driverPartitions: number;
  /** Host pages still pinned for a guest. */
  readonly pinnedPages: number;
  /** fds the process's table still holds (partition, VP or eventfd), ascending. */
  readonly openFds: readonly number[];
  /** Nothing is left: conserved, no leaked or pinned page, no partition, no open fd. */
  readonly clean: boolean;
}

/**
 * What the hypervisor already held, before the teardown, that no fd of the dead process reaches: the
 * run's own teardown of it was refused (its log holds the refusal: a DELETE_PARTITION, a
 * FINALIZE_PARTITION or a WITHDRAW_MEMORY the hypervisor answered with a failure, which the driver
 * ignores as the kernel does), so the driver had already let go of it. Nothing `recover` closes can
 * release it; it stays after the teardown, and the audit counts it.
 */
export interface Unreachable {
  /**
   * Child partitions the hypervisor has (not deleted) that no partition or VP fd names: `0x` hex id
   * and hypervisor state.
   */
  readonly partitions: readonly { readonly id: string; readonly state: string }[];
  /** Pool pages still attributed to partitions the hypervisor deleted. */
  readonly leakedPages: number;
}

/**
 * What `recover` did:
 * - `reconciled`: the state at the last committed record was rebuilt, everything live torn down,
 *   and the audit is clean;
 * - `listed`: rebuilt and listed (`dryRun`);
 * - `not-reconciled`: torn down, but the audit finds something left (a leak);
 * - `diverged`: the log's prefix does not replay (the divergence names the record);
 * - `damaged`: the log cannot be read past a record, or ends inside an operation;
 * - `bad-input`: not a replayable log.
 */
export interface RecoverReport {
  readonly status: 'reconciled' | 'listed' | 'not-reconciled' | 'diverged' | 'damaged' | 'bad-input';
  readonly replay: ReplayVerdict;
  /** The log had an end marker; null when that is not known (the log, or its end marker, cannot be read). */
  readonly closed: boolean | null;
  readonly live: LiveInventory | null;
  readonly teardown: readonly TeardownAction[];
  /** Hypercalls the teardown issued (on the simulated hypervisor). */
  readonly teardownHypercalls: number;
  /**
   * Teardown calls the hypervisor refused (`DELETE_PARTITION INVALID_PARTITION_STATE`): it keeps
   * what each would have released, so a leak the audit then finds is its answer, not recover's.
   */
  readonly teardownRefused: readonly string[];
  /** What the hypervisor held before the teardown beyond any fd (null when nothing was rebuilt). */
  readonly unreachable: Unreachable | null;
  readonly audit: RecoverAudit | null;
  /** For `damaged`: the problem, naming the record. */
  readonly message?: string;
}

/**
 * Rebuild the state at a log's last committed record by replaying its prefix, list what was live
 * (partitions, regions, VPs, doorbell ports, irqfds, deposited pool pages, eventfds: every fd the
 * process held) and tear it down as the process's exit would, each fd closed once through the
 * driver's normal release path: close(2) of each partition fd (its irqfds and doorbells go), then
 * its VP fds (the last reference destroys the partition in §c.12 order), then every eventfd (the
 * runtime's own and those it made for irqfds and ioeventfds). The simulated hypervisor's audit and
 * the fd table then show what, if anything, leaked. What the
 * model checker calls at a crash point; `recoverLog` is the same for a file.
 *
 * @example
 * const report = recoverRecords(header, sink.records.slice(0, crashAt), { dryRun: false });
 * report.status; // 'reconciled'
 */
export function recoverRecords(
  header: LogHeader,
  records: readonly (LogRecord | LoggedRecord)[],
  options: RecoverOptions & { readonly closed?: boolean } = {},
): RecoverReport {
  const bad = badOptions(options, ['dryRun', 'closed']);
  if (bad !== null) return bad;
  const { closed, ...rest } = options;
  return recoverSource(memorySource(header, records, { closed: closed ?? false }), rest);
}

/**
 * `recoverRecords` for a log file, opened read-only: the file is never written. A file that is not a
 * log is `bad-input`; a damaged or truncated one `damaged`, naming the record.
 *
 * @example
 * recoverLog('crashed.log', { dryRun: true }).live?.partitions.length; // 2
 */
export function recoverLog(path: string, options: RecoverOptions = {}): RecoverReport {
  const bad = badOptions(options, ['dryRun']);
  if (bad !== null) return bad;
  let reader;
  try {
    reader = openLog(path);
  } catch (e) {
    if (e instanceof LogError) {
      const verdict: ReplayVerdict = e.isBadInput
        ? { status: 'bad-input', message: e.message }
        : { status: 'damaged', message: e.message, seq: e.seq };
      return failed(verdict, null, e.isBadInput ? 'bad-input' : 'damaged', e.message);
    }
    throw e;
  }
  try {
    return recoverSource(readerSource(reader, options.checksums), options);
  } finally {
    reader.close();
  }
}

/**
 * Recover from any replay source (a file's, or records in memory).
 *
 * @example
 * recoverSource(memorySource(header, records, { closed: false }), { dryRun: true });
 */
export function recoverSource(source: ReplaySource, options: RecoverOptions = {}): RecoverReport {
  const bad = badOptions(options, ['dryRun']);
  if (bad !== null) return bad;
  const { dryRun, ...replayOptions } = options;
  const session = replaySession(source, replayOptions);
  const v = session.verdict;
  if (v.status === 'bad-input') return failed(v, source.closed, 'bad-input', v.message);
  if (v.status === 'damaged')
    return failed(v, source.unreadable === undefined ? source.closed : null, 'damaged', v.message);
  if (v.status === 'diverged') return failed(v, source.closed, 'diverged');
  if (v.endedInsideOperation === true)
    return failed(
      v,
      source.closed,
      'damaged',
      `seq ${v.lastSeq}: the log ends inside an operation (its result was never committed): no consistent state to rebuild`,
    );
  const driver = session.driver;
  if (driver === undefined) throw new Error('recover: an identical replay left no runtime');
  const live = liveInventory(driver);
  const unreachable = unreachableOf(driver, live);
  if (dryRun === true)
    return {
      status: 'listed',
      replay: v,
      closed: source.closed,
      live,
      teardown: [],
      teardownHypercalls: 0,
      teardownRefused: [],
      unreachable,
      audit: null,
    };
  // From here on the world runs on the simulated hypervisor alone: nothing of the teardown is logged.
  session.cursor.disarm();
  const before = driver.world.machine.hypervisor.callCount;
  // The dead process's mappings went with its address space, before its files (exit_mm, exit_files).
  for (const address of live.mappings ?? []) driver.world.device.munmap(BigInt(address));
  const teardown = tearDown(driver, live);
  const audit = auditAfter(driver);
  const hv = driver.world.machine.hypervisor;
  const teardownHypercalls = hv.callCount - before;
  return {
    status: audit.clean ? 'reconciled' : 'not-reconciled',
    replay: v,
    closed: source.closed,
    live,
    teardown,
    teardownHypercalls,
    teardownRefused: refusedTeardownCalls(hv.recentCalls().slice(-teardownHypercalls)),
    unreachable,
    audit,
  };
}

/** The report for options a recovery does not take (`replayOptionsError`), or null when it takes them. */
function badOptions(options: unknown, extra: readonly string[]): RecoverReport | null {
  const message = replayOptionsError(options, extra);
  return message === null ? null : failed({ status: 'bad-input', message }, null, 'bad-input', message);
}

function failed(
  replay: ReplayVerdict,
  closed: boolean | null,
  status: RecoverReport['status'],
  message?: string,
): RecoverReport {
  return {
    status,
    replay,
    closed,
    live: null,
    teardown: [],
    teardownHypercalls: 0,
    teardownRefused: [],
    unreachable: null,
    audit: null,
    ...(message === undefined ? {} : { message }),
  };
}

/**
 * close(2) of every fd the inventory lists, once, as the process's exit would: each partition fd,
 * its open VP fds ascending, then the eventfds.
 */
function tearDown(driver: IntentDriver, live: LiveInventory): TeardownAction[] {
  const dev = driver.world.device;
  const out: TeardownAction[] = [];
  const close = (fd: number, what: string): void => {
    const r = dev.close(fd);
    out.push({ fd, what, result: r.ok ? 'ok' : r.error.errnoName });
  };
  for (const p of live.partitions) {
    if (p.fdOpen) close(p.fd, `partition ${p.name}`);
    for (const vp of p.vps) close(vp.fd, `vp ${p.name}/${vp.index}`);
  }
  for (const fd of live.eventfds) close(fd, 'eventfd');
  return out;
}

/** What the rebuilt hypervisor holds that none of the fds in `live` reaches (see Unreachable). */
function unreachableOf(driver: IntentDriver, live: LiveInventory): Unreachable {
  const named = new Set(live.partitions.map((p) => p.id));
  const partitions: { id: string; state: string }[] = [];
  // The audit's count, without the audit: every page still in a deleted partition's pool.
  let leakedPages = 0;
  for (const p of driver.world.machine.partitions()) {
    if (p.state === 'deleted') leakedPages += p.pool.freePages + p.pool.usedPages;
    else if (!p.isRoot && !named.has(`0x${p.id.toString(16)}`))
      partitions.push({ id: `0x${p.id.toString(16)}`, state: p.state });
  }
  return { partitions, leakedPages };
}

function auditAfter(driver: IntentDriver): RecoverAudit {
  const m = driver.world.machine;
  const audit = m.audit();
  const liveChildPartitions = m.partitions().filter((p) => !p.isRoot && p.state !== 'deleted').length;
  const driverPartitions = driver.world.device.partitions().length;
  let pinnedPages = 0;
  for (const e of m.hostExtents()) if (e.pins > 0) pinnedPages += e.end - e.start;
  const openFds = driver.world.device.save().fds.map(([fd]) => fd);
  return {
    conserved: audit.ok,
    violations: audit.violations,
    leakedPages: audit.leakedPages,
    liveChildPartitions,
    driverPartitions,
    pinnedPages,
    openFds,
    clean:
      audit.ok &&
      audit.leakedPages === 0 &&
      liveChildPartitions === 0 &&
      driverPartitions === 0 &&
      pinnedPages === 0 &&
      openFds.length === 0,
  };
}

/** `NAME STATUS` of each teardown call the hypervisor refused (WITHDRAW_MEMORY's NO_RESOURCES is its end). */
function refusedTeardownCalls(calls: readonly CallRecord[]): string[] {
  const out: string[] = [];
  for (const c of calls) {
    if (!refusedTeardownCall(c.code, c.result)) continue;
    out.push(`${hypercallName(c.code) ?? `0x${c.code.toString(16)}`} ${hvStatusName(c.result)}`);
  }
  return out;
}
