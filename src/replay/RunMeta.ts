import type { RandomFaultRates } from '../../adapters/simulated/faults/FaultPlan.js';
import type { JsonObject } from '../log/JsonValue.js';
import type { LogHeader, LogHeaderInit } from '../log/LogHeader.js';
import { toJsonValue } from '../log/toJsonValue.js';
import { PRODUCT_VERSION } from '../productVersion.js';
import { loadScenario } from '../scenario/loadScenario.js';
import type { Scenario } from '../scenario/Scenario.js';
import { ScenarioError } from '../scenario/ScenarioError.js';
import { scenarioToJson } from '../scenario/scenarioToJson.js';
import { vmmCodec } from '../scenario/vmmCodec.js';
import type { VmmConfig } from '../runtime/VmmConfig.js';

/** The key of the header's meta object that describes a replayable run. */
export const RUN_META_KEY = 'run';
/** The version of that description this build writes and reads. */
export const RUN_META_VERSION = 1;

/**
 * Which intents a log records, and so which runtime replays them:
 * - `scenario`: one `step` intent per scenario step, re-run by the scenario runner (`run --log`);
 * - `control-plane`: the ControlPlane's intents (`createPartition`, `partition`, `vp`, `guest`,
 *   `signal`, `eventfd`), re-run through the machines (the Host API, the demo, the model checker).
 */
export type Vocabulary = 'scenario' | 'control-plane';

/** Every vocabulary, for messages and checks. */
export const VOCABULARIES: readonly Vocabulary[] = ['scenario', 'control-plane'];

/** What a log's header says about its run: enough to rebuild the world and replay the intents. */
export interface RunMeta {
  readonly vocabulary: Vocabulary;
  /**
   * The world as a scenario without steps: seed, hypervisor (scheduler, rep time slice, fault plan)
   * and host memory. The simulated machine is rebuilt from it.
   */
  readonly world: Scenario;
  /** Seeded random fault rates by status name (the model checker's), if any. */
  readonly randomFaults?: RandomFaultRates;
  /** A snapshot record is written before the first intent after this many records; 0: never. */
  readonly snapshotEvery: number;
  /** The WorldCodec that wrote the world part of each snapshot (and that replay restores with). */
  readonly worldCodec: string;
  /** Host RAM in bytes when the run set it (Host.open's `hostRamBytes`); the world's default otherwise. */
  readonly hostRamBytes?: bigint;
  /** How the ControlPlane's VMM used the device (`VmmConfig`), when not every default. */
  readonly vmm?: VmmConfig;
  /**
   * How many of the first signals to VP threads the world lost (`LossySimWorld`; Infinity: every
   * one), when the run's world lost any: a model checker's `world.lostSignals`. Such a run writes no
   * snapshots (the count still to lose is not part of them).
   */
  readonly lostSignals?: number;
}

/**
 * The header meta of a replayable run: `{ run: { version, vocabulary, world, snapshotEvery,
 * worldCodec, randomFaults? } }`, the world written as scenario JSON (steps left empty).
 *
 * @example
 * runMetaJson({ vocabulary: 'scenario', world: scenario, snapshotEvery: 1024, worldCodec: 'replay-prefix' });
 */
export function runMetaJson(meta: RunMeta): JsonObject {
  const world = toJsonValue(scenarioToJson({ ...meta.world, steps: [] }));
  return {
    [RUN_META_KEY]: {
      version: RUN_META_VERSION,
      vocabulary: meta.vocabulary,
      world,
      snapshotEvery: meta.snapshotEvery,
      worldCodec: meta.worldCodec,
      ...(meta.randomFaults === undefined ? {} : { randomFaults: toJsonValue(meta.randomFaults) }),
      ...(meta.hostRamBytes === undefined ? {} : { hostRamBytes: `0x${meta.hostRamBytes.toString(16)}` }),
      ...(meta.vmm === undefined ? {} : { vmm: toJsonValue(vmmCodec.write(meta.vmm)) }),
      ...(meta.lostSignals === undefined ? {} : { lostSignals: lostSignalsJson(meta.lostSignals) }),
    },
  };
}

/** `lostSignals` as the header writes it: a u32, or `"all"` for Infinity. */
function lostSignalsJson(n: number): number | 'all' {
  return n === Number.POSITIVE_INFINITY ? 'all' : n;
}

/**
 * A writer's header for a run: the world's seed, this product's version, and the run meta (plus any
 * other meta the caller adds, such as the scenario name).
 *
 * @example
 * LogWriter.create(path, runHeader(meta, 'mshv-control run boot.json'));
 */
export function runHeader(meta: RunMeta, createdBy: string, extraMeta: JsonObject = {}): LogHeaderInit {
  return {
    seed: meta.world.seed,
    productVersion: PRODUCT_VERSION,
    createdBy,
    meta: { ...extraMeta, ...runMetaJson(meta) },
  };
}

/**
 * Read the run description back from a header. A header without one, of another version, or whose
 * world does not load is an error value naming the field (bad input: not a replayable log).
 *
 * @example
 * const r = readRunMeta(log.header);
 * if (r.ok) r.value.vocabulary; // 'scenario'
 */
export function readRunMeta(
  header: LogHeader,
): { readonly ok: true; readonly value: RunMeta } | { readonly ok: false; readonly error: string } {
  const bad = (field: string, why: string) => ({ ok: false as const, error: `header meta.${field}: ${why}` });
  const run = header.meta[RUN_META_KEY];
  if (run === undefined)
    return bad(
      RUN_META_KEY,
      'missing: the log was not written by a replayable run (run --log, ControlPlane)',
    );
  if (run === null || typeof run !== 'object' || Array.isArray(run))
    return bad(RUN_META_KEY, 'not an object');
  const o = run as JsonObject;
  if (o.version !== RUN_META_VERSION)
    return bad(
      `${RUN_META_KEY}.version`,
      `${JSON.stringify(o.version ?? null)} is not supported (this build reads ${RUN_META_VERSION})`,
    );
  const vocabulary = o.vocabulary;
  if (typeof vocabulary !== 'string' || !(VOCABULARIES as readonly string[]).includes(vocabulary))
    return bad(`${RUN_META_KEY}.vocabulary`, `expected one of ${VOCABULARIES.join(', ')}`);
  const every = o.snapshotEvery;
  if (typeof every !== 'number' || !Number.isSafeInteger(every) || every < 0)
    return bad(`${RUN_META_KEY}.snapshotEvery`, 'expected a non-negative integer');
  if (typeof o.worldCodec !== 'string' || o.worldCodec === '')
    return bad(`${RUN_META_KEY}.worldCodec`, 'expected a codec name');
  let world: Scenario;
  try {
    world = loadScenario(o.world);
  } catch (e) {
    if (e instanceof ScenarioError) return bad(`${RUN_META_KEY}.world`, e.message);
    throw e;
  }
  if (String(world.seed) !== header.seed)
    return bad(`${RUN_META_KEY}.world.seed`, `${world.seed} differs from the header's seed ${header.seed}`);
  let randomFaults: RandomFaultRates | undefined;
  if (o.randomFaults !== undefined) {
    const rf = o.randomFaults;
    if (rf === null || typeof rf !== 'object' || Array.isArray(rf))
      return bad(`${RUN_META_KEY}.randomFaults`, 'expected an object of rates by status name');
    for (const [k, v] of Object.entries(rf))
      if (typeof v !== 'number' || !(v >= 0 && v <= 1))
        return bad(`${RUN_META_KEY}.randomFaults.${k}`, 'expected a probability in [0, 1]');
    randomFaults = rf as RandomFaultRates;
  }
  let hostRamBytes: bigint | undefined;
  if (o.hostRamBytes !== undefined) {
    const raw = o.hostRamBytes;
    if (typeof raw !== 'string' || !/^0x[0-9a-f]{1,16}$/.test(raw) || BigInt(raw) === 0n)
      return bad(`${RUN_META_KEY}.hostRamBytes`, 'expected a non-zero byte count as lower-case hex (0x...)');
    hostRamBytes = BigInt(raw);
  }
  let vmm: VmmConfig | undefined;
  if (o.vmm !== undefined)
    try {
      vmm = vmmCodec.read(o.vmm, `meta.${RUN_META_KEY}.vmm`);
    } catch (e) {
      if (e instanceof ScenarioError) return { ok: false, error: `header ${e.message}` };
      throw e;
    }
  let lostSignals: number | undefined;
  if (o.lostSignals !== undefined) {
    const raw = o.lostSignals;
    lostSignals =
      raw === 'all'
        ? Number.POSITIVE_INFINITY
        : typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 1 && raw <= 0xffff_ffff
          ? raw
          : undefined;
    if (lostSignals === undefined)
      return bad(`${RUN_META_KEY}.lostSignals`, 'expected a u32 from 1, or "all"');
    if (every !== 0)
      return bad(
        `${RUN_META_KEY}.lostSignals`,
        `a world that loses signals writes no snapshots (snapshotEvery is ${every}): the signals still to lose are not in them`,
      );
  }
  return {
    ok: true,
    value: {
      vocabulary: vocabulary as Vocabulary,
      world,
      snapshotEvery: every,
      worldCodec: o.worldCodec,
      ...(randomFaults === undefined ? {} : { randomFaults }),
      ...(hostRamBytes === undefined ? {} : { hostRamBytes }),
      ...(vmm === undefined ? {} : { vmm }),
      ...(lostSignals === undefined ? {} : { lostSignals }),
    },
  };
}
