import { LogError } from '../log/LogError.js';
import type { JsonValue } from '../log/JsonValue.js';
import type { RecordKind } from '../log/LogRecord.js';
import { TransitionMemo } from '../../machines/TransitionMemo.js';
import type { PlaneParts } from '../runtime/ControlPlane.js';
import type { Machines } from '../runtime/Machines.js';
import { NULL_SINK, type RecordSink } from '../runtime/RecordSink.js';
import { SinkRecorder } from '../runtime/SinkRecorder.js';
import { LossySimWorld } from '../runner/LossySimWorld.js';
import { SimWorld, type SimWorldOptions } from '../runner/SimWorld.js';
import { ComparingSink } from './ComparingSink.js';
import { describeRecord } from './describeRecord.js';
import { type Divergence, DivergenceSignal, EndOfLogSignal } from './Divergence.js';
import { ExpectedRecords } from './ExpectedRecords.js';
import type { LoggedRecord } from './LoggedRecord.js';
import type { IntentDriver } from './IntentDriver.js';
import { PlaneDriver } from './PlaneDriver.js';
import { prefixWorldCodec } from './prefixWorldCodec.js';
import { simWorldCodec } from './simWorldCodec.js';
import { RecordedHypervisor } from './RecordedHypervisor.js';
import { ReplayCursor } from './ReplayCursor.js';
import type { ChecksumPolicy, ReplaySource } from './ReplaySource.js';
import { readRunMeta, type RunMeta, type Vocabulary } from './RunMeta.js';
import { ScenarioDriver } from './ScenarioDriver.js';
import { captureSnapshot, restoreSnapshot } from './restoreSnapshot.js';
import { SnapshottingSink } from './SnapshottingSink.js';
import type { WorldBuild, WorldCodec } from './WorldCodec.js';
import { worldDigest } from './worldDigest.js';
import { replayOptionsError } from './replayOptionsError.js';

export interface ReplayOptions {
  /**
   * Where to start: `start` (default) rebuilds the world from the header and re-runs every intent;
   * `snapshot` restores the log's last snapshot and re-runs the rest; a number restores the last
   * snapshot at or before that seq.
   */
  readonly from?: 'start' | 'snapshot' | number;
  /** Cross-check each recorded answer against the simulated hypervisor (default true). */
  readonly crossCheck?: boolean;
  /** Machine definitions the run used (a checker's planted variant); the shipped ones by default. */
  readonly machines?: Machines;
  /** The machine steps already taken (a checker shares one across its replays); a fresh one by default. */
  readonly memo?: TransitionMemo;
  /** VMM hooks the run replaced (a checker's planted VMM); the shipped ones by default. */
  readonly vmmHooks?: PlaneParts['vmmHooks'];
  /** Driver stages the run replaced (a checker's broken driver): hooks, input filler, executor. */
  readonly world?: Omit<SimWorldOptions, 'wrapHypervisor' | 'randomFaults'>;
  /** World codecs besides the built-in ones (`sim-world-v1`, and `replay-prefix` for logs that used it). */
  readonly worldCodecs?: readonly WorldCodec[];
  /** Put the final state (runtime state and world digest) into an identical verdict. */
  readonly finalState?: boolean;
  /** Which checksums are recomputed while reading a file (`replayLog`, `recoverLog`); see ChecksumPolicy. */
  readonly checksums?: ChecksumPolicy;
}

/** Records reproduced, by kind. */
export type KindCounts = Readonly<Partial<Record<RecordKind, number>>>;

/**
 * What a replay found:
 * - `identical`: every record from `fromSeq` to `lastSeq` was reproduced; `complete` is false when
 *   the log was not closed (a crash) and the re-run went on past its last committed record;
 * - `diverged`: the first record not reproduced, decoded;
 * - `damaged`: the log cannot be read past a record (a LogError naming it);
 * - `bad-input`: not a replayable log (no run meta, an unknown codec, no snapshot to start from).
 */
export type ReplayVerdict =
  | {
      readonly status: 'identical';
      readonly vocabulary: Vocabulary;
      readonly complete: boolean;
      readonly fromSeq: number;
      readonly lastSeq: number;
      readonly byKind: KindCounts;
      /** Why the replay stopped early, for an incomplete one; for a complete one, that the log was not closed. */
      readonly note?: string;
      /** The log ended between an operation and its result (never, for a log committed at operation boundaries). */
      readonly endedInsideOperation?: boolean;
      /**
       * The re-run threw where the log ends, with this message: the run that wrote the log stopped
       * there too (a model checker's counterexample whose last step threw, as a liveness violation).
       */
      readonly threw?: string;
      readonly finalState?: JsonValue;
    }
  | {
      readonly status: 'diverged';
      readonly vocabulary: Vocabulary;
      readonly fromSeq: number;
      readonly divergence: Divergence;
      readonly byKind: KindCounts;
    }
  | { readonly status: 'damaged'; readonly message: string; readonly seq: number | null }
  | { readonly status: 'bad-input'; readonly message: string };

/** A replay and what it left: the runtime and its world, at the point the replay stopped. */
export interface ReplaySession {
  readonly verdict: ReplayVerdict;
  readonly meta?: RunMeta;
  readonly driver?: IntentDriver;
  /** The cursor the recorded hypervisor reads; `disarm()` it to drive the world on the simulated hypervisor. */
  readonly cursor: ReplayCursor;
}

/**
 * Create the runtime a vocabulary names over `world`, writing to `sink`.
 *
 * @example
 * createIntentDriver('control-plane', world, sink).apply(intent);
 */
export function createIntentDriver(
  vocabulary: Vocabulary,
  world: SimWorld,
  sink: RecordSink,
  parts: PlaneParts = {},
): IntentDriver {
  return vocabulary === 'scenario' ? new ScenarioDriver(world, sink) : PlaneDriver.create(world, sink, parts);
}

/**
 * Replay a log: rebuild the world from the header (or restore a snapshot), re-run the intents through
 * the runtime the log's vocabulary names against a RecordedHypervisor, and compare every record the
 * re-run produces with the log's, stopping at the first difference. Returns the verdict with the
 * runtime and world as the replay left them (recovery tears that world down).
 *
 * @example
 * const { verdict } = replaySession(readerSource(openLog('run.log')), { from: 'snapshot' });
 */
export function replaySession(source: ReplaySource, options: ReplayOptions = {}): ReplaySession {
  const cursor = new ReplayCursor();
  const badOption = replayOptionsError(options);
  if (badOption !== null) return { verdict: { status: 'bad-input', message: badOption }, cursor };
  if (source.unreadable !== undefined) {
    const e = source.unreadable;
    return { verdict: { status: 'damaged', message: e.message, seq: e.seq }, cursor };
  }
  const metaRead = readRunMeta(source.header);
  if (!metaRead.ok) return { verdict: { status: 'bad-input', message: metaRead.error }, cursor };
  const meta = metaRead.value;
  const vocabulary = meta.vocabulary;
  const parts: PlaneParts = {
    machines: options.machines,
    memo: options.memo ?? new TransitionMemo(),
    vmm: meta.vmm,
    vmmHooks: options.vmmHooks,
  };
  const snapSink = new SnapshottingSink(new ComparingSink(cursor), meta.snapshotEvery);
  // The comparing sink looks at each hypercall's bytes at once and keeps none: views, not copies.
  const recorder = new SinkRecorder(snapSink, { views: true });
  // Whether a restore re-ran (so read and checked) the records before its snapshot.
  const prefix = { read: false };
  const rerunPrefix = (world: SimWorld, beforeSeq: number): void => {
    prefix.read = true;
    const d = createIntentDriver(vocabulary, world, NULL_SINK, parts);
    for (const records = source.records(1); ;) {
      const step = records.next();
      if (step.done === true || step.value.seq >= beforeSeq) return;
      // The kind first: reading `record` would decode a deferred record the prefix does not need.
      const intent = step.value.kind === 'intent' ? step.value.record : null;
      if (intent?.kind !== 'intent') continue;
      const error = d.apply(intent);
      if (error !== null) throw new Error(`re-running the prefix: seq ${step.value.seq}: ${error}`);
    }
  };
  const build: WorldBuild = {
    world: meta.world,
    recorder,
    options: {
      ...options.world,
      ...(meta.randomFaults === undefined ? {} : { randomFaults: meta.randomFaults }),
      ...(meta.hostRamBytes === undefined ? {} : { hostRamBytes: meta.hostRamBytes }),
      wrapHypervisor: (sim) =>
        new RecordedHypervisor(sim, cursor, { crossCheck: options.crossCheck ?? true }),
    },
    rerunPrefix,
  };
  const codecs = new Map<string, WorldCodec>(
    [simWorldCodec(), prefixWorldCodec(), ...(options.worldCodecs ?? [])].map((c) => [c.name, c]),
  );
  const writerCodec = codecs.get(meta.worldCodec);
  if (writerCodec === undefined && meta.snapshotEvery > 0)
    return {
      verdict: {
        status: 'bad-input',
        message: `header meta.run.worldCodec: '${meta.worldCodec}' is not a codec this replay has (${[...codecs.keys()].join(', ')})`,
      },
      cursor,
    };

  let driver: IntentDriver;
  let fromSeq = 1;
  const from = options.from ?? 'start';
  try {
    if (from === 'start') {
      driver = createIntentDriver(
        vocabulary,
        meta.lostSignals === undefined
          ? new SimWorld(meta.world, recorder, build.options)
          : new LossySimWorld(meta.world, recorder, build.options, meta.lostSignals),
        snapSink,
        parts,
      );
    } else {
      const snap = source.snapshotAt(from === 'snapshot' ? Number.MAX_SAFE_INTEGER : from);
      if (snap?.record.kind !== 'snapshot')
        return {
          verdict: {
            status: 'bad-input',
            message: `no snapshot record ${from === 'snapshot' ? 'in the log' : `at or before seq ${from}`} to start from`,
          },
          meta,
          cursor,
        };
      const restored = restoreSnapshot(snap.record.state, {
        vocabulary,
        codecs,
        build,
        sink: snapSink,
        parts,
      });
      if (!restored.ok)
        return {
          verdict: {
            status: 'diverged',
            vocabulary,
            fromSeq: snap.seq,
            byKind: {},
            divergence: {
              seq: snap.seq,
              expectedKind: 'snapshot',
              actualKind: null,
              reason: `the snapshot cannot be restored: ${restored.error}`,
              expected: describeRecord(snap.record),
              actual: ['no restored state'],
            },
          },
          meta,
          cursor,
        };
      driver = restored.value;
      fromSeq = snap.seq + 1;
      snapSink.reset(snap.seq, 0);
    }
  } catch (e) {
    if (e instanceof LogError)
      return { verdict: { status: 'damaged', message: e.message, seq: e.seq }, meta, cursor };
    throw e;
  }
  if (writerCodec !== undefined) snapSink.capture = (seq) => captureSnapshot(driver, writerCodec, seq);

  let expected: ExpectedRecords;
  try {
    expected = new ExpectedRecords(
      source.records(fromSeq),
      fromSeq,
      source.closed,
      source.checksumBefore(fromSeq),
    );
  } catch (e) {
    if (e instanceof LogError)
      return { verdict: { status: 'damaged', message: e.message, seq: e.seq }, meta, driver, cursor };
    throw e;
  }
  // Restored from a snapshot without re-running what precedes it: those records were not read, and
  // the verdict says so rather than vouch for them (docs/DECISIONS.md, replay item 7).
  const prefixNote =
    fromSeq > 2 && !prefix.read
      ? `seq 1..${fromSeq - 2}, before the snapshot, were not read or verified (a replay from the start or \`log info\` checks them)`
      : undefined;
  cursor.arm(expected);
  const byKind = (): KindCounts => Object.fromEntries(cursor.matched);
  const identical = (extra: {
    complete: boolean;
    note?: string;
    endedInsideOperation?: boolean;
    threw?: string;
  }): ReplayVerdict => ({
    status: 'identical',
    vocabulary,
    fromSeq,
    lastSeq: expected.nextSeq - 1,
    byKind: byKind(),
    ...extra,
    ...(prefixNote === undefined
      ? {}
      : { note: extra.note === undefined ? prefixNote : `${extra.note}; ${prefixNote}` }),
    ...(options.finalState === true ? { finalState: finalStateOf(driver) } : {}),
  });
  try {
    runIntents(expected, driver);
    // An unclosed log that ends between two intents is reproduced whole, but it is still a crashed
    // (or unfinished) run's log: say so, since `recover` is what reconciles one.
    const unclosed = source.closed
      ? {}
      : {
          note: `the log was not closed; it ends after a whole intent (seq ${expected.nextSeq - 1}), and all of it was reproduced`,
        };
    return { verdict: identical({ complete: true, ...unclosed }), meta, driver, cursor };
  } catch (e) {
    if (e instanceof DivergenceSignal) {
      // A record replay did not re-checksum diverges: if its checksum no longer matches, it is damage.
      const damage = expected.damageAt(e.divergence.seq);
      const verdict: ReplayVerdict =
        damage === null
          ? { status: 'diverged', vocabulary, fromSeq, divergence: e.divergence, byKind: byKind() }
          : { status: 'damaged', message: `${source.name}: ${damage}`, seq: e.divergence.seq };
      return { verdict, meta, driver, cursor };
    }
    if (e instanceof EndOfLogSignal)
      return {
        verdict: identical({
          complete: false,
          note: `the log was not closed: replayed to its last committed record (seq ${e.lastSeq})${e.insideOperation ? ', which ends inside an operation' : ''}`,
          ...(e.insideOperation ? { endedInsideOperation: true } : {}),
        }),
        meta,
        driver,
        cursor,
      };
    if (e instanceof LogError)
      return { verdict: { status: 'damaged', message: e.message, seq: e.seq }, meta, driver, cursor };
    if (!(e instanceof Error)) throw e;
    // The re-run threw. Where the log ends inside an operation, the run that wrote it stopped there
    // as well; anywhere else, the log goes on (or closed cleanly) where the re-run could not.
    // What the log holds where the re-run stopped; a record there that cannot be read is damage.
    let next: LoggedRecord | undefined;
    let described: string[] = [];
    try {
      next = expected.peek();
      if (next !== undefined) described = describeRecord(next.record);
    } catch (readError) {
      if (!(readError instanceof LogError)) throw readError;
      return {
        verdict: { status: 'damaged', message: readError.message, seq: readError.seq },
        meta,
        driver,
        cursor,
      };
    }
    if (next === undefined && cursor.insideOperation)
      return {
        verdict: identical({
          complete: source.closed,
          note: `the re-run threw where the log ends, inside an operation, as the run did: ${e.message}`,
          threw: e.message,
        }),
        meta,
        driver,
        cursor,
      };
    const divergence: Divergence =
      next === undefined
        ? {
            seq: expected.nextSeq,
            expectedKind: null,
            actualKind: null,
            reason: `the re-run threw after the log's last record, which ends no operation: ${e.message}`,
            expected: [`end of log at seq ${expected.nextSeq - 1}`],
            actual: [`the re-run threw: ${e.message}`],
          }
        : {
            seq: next.seq,
            expectedKind: next.kind,
            actualKind: null,
            reason: `the re-run threw: ${e.message}`,
            expected: described,
            actual: [`the re-run threw: ${e.message}`],
          };
    return {
      verdict: { status: 'diverged', vocabulary, fromSeq, divergence, byKind: byKind() },
      meta,
      driver,
      cursor,
    };
  }
}

/** Re-run intents while the log has records: each one's intent (after a snapshot, if any) is the next input. */
function runIntents(expected: ExpectedRecords, driver: IntentDriver): void {
  for (let first = expected.peek(); first !== undefined; first = expected.peek()) {
    const next = first.kind === 'snapshot' ? expected.peek(1) : first;
    const intent = next?.kind === 'intent' ? next.record : null;
    if (next === undefined || intent?.kind !== 'intent') {
      const at = next ?? first;
      throw new DivergenceSignal({
        seq: at.seq,
        expectedKind: at.kind,
        actualKind: null,
        reason: `the log has a ${at.kind} record where the replay, between requests, expects an intent`,
        expected: describeRecord(at.record),
        actual: ['nothing: the re-run has finished every request before this record'],
      });
    }
    const error = driver.apply(intent);
    if (error !== null)
      throw new DivergenceSignal({
        seq: next.seq,
        expectedKind: 'intent',
        actualKind: null,
        reason: `the intent cannot be re-run: ${error}`,
        expected: describeRecord(next.record),
        actual: ['nothing: the intent was refused before it ran'],
      });
  }
}

/**
 * The runtime's state and the world's digest: what two runs that ended alike share.
 *
 * @example
 * expect(verdict.finalState).toEqual(finalStateOf(liveDriver));
 */
export function finalStateOf(driver: IntentDriver): JsonValue {
  return { runtime: driver.saveState(), world: worldDigest(driver.world) };
}
