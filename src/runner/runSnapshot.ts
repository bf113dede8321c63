import type { JsonValue } from '../log/JsonValue.js';
import { CountingRecorder, type HypercallRecorder } from '../pipeline/HypercallRecorder.js';
import { childPath } from '../scenario/jsonPath.js';
import type { Scenario } from '../scenario/Scenario.js';
import { FieldReader, readArray, readInt, readString } from '../snapshot/FieldReader.js';
import { SnapshotError, type SnapshotResult } from '../snapshot/SnapshotError.js';
import { type RunCursor, ScenarioRunner } from './ScenarioRunner.js';
import { SimWorld, type SimWorldOptions } from './SimWorld.js';
import { TraceRecorder } from './TraceRecorder.js';

/** The `format` of a run snapshot. */
export const RUN_FORMAT = 'mshv-control-run';
/** The run snapshot version this build writes and reads. */
export const RUN_VERSION = 2;

/** A run rebuilt from a snapshot: continue it with `runner.step()` or `runner.runToEnd()`. */
export interface RestoredRun {
  readonly runner: ScenarioRunner;
  readonly world: SimWorld;
  /** The trace, continuing the recorded numbering, when the snapshot had one. */
  readonly trace: TraceRecorder | undefined;
}

/**
 * A scenario run stopped between two steps, as JSON: `{ format, version, scenario: { name, steps },
 * cursor, trace, world }`: where the runner is (next step, the fds the scenario's names stand for,
 * the operations counted so the log's operation ids continue; version 2 added that count),
 * the trace's numbering (or null) and the world's snapshot. Restoring it and running the rest gives
 * the same trace lines the uninterrupted run wrote after that step.
 *
 * @example
 * runner.step();
 * const json = snapshotRun(runner, world);
 */
export function snapshotRun(runner: ScenarioRunner, world: SimWorld): JsonValue {
  if (runner.world !== world) throw new Error('snapshotRun: the runner runs another world');
  const c = runner.cursor();
  const t = runner.trace?.cursor();
  return {
    format: RUN_FORMAT,
    version: RUN_VERSION,
    scenario: { name: runner.scenario.name, steps: runner.scenario.steps.length },
    cursor: {
      next: c.next,
      partitions: c.partitions.map(([n, fd]) => [n, fd]),
      vps: c.vps.map(([k, fd]) => [k, fd]),
      eventfds: c.eventfds.map(([n, fd]) => [n, fd]),
      operations: c.operations ?? 0,
    },
    trace: t === undefined ? null : { seq: t.seq, partition: t.partition },
    world: world.snapshot(),
  };
}

/**
 * Rebuild a run of `scenario` from `snapshotRun`'s JSON. The scenario must be the one the snapshot
 * names (same name and step count, rule `reference`). Without a trace in the snapshot the world
 * records into `recorder` (default: a counter). Errors name the JSON path and the rule; nothing is
 * built then.
 *
 * @example
 * const r = restoreRun(scenario, JSON.parse(text));
 * if (r.ok) r.value.runner.runToEnd();
 */
export function restoreRun(
  scenario: Scenario,
  json: unknown,
  options: SimWorldOptions & { readonly recorder?: HypercallRecorder } = {},
): SnapshotResult<RestoredRun> {
  try {
    const r = FieldReader.of(json, '$', 'a run snapshot');
    const format = r.string('format');
    if (format !== RUN_FORMAT)
      throw new SnapshotError(r.path('format'), 'format', `'${format}' is not '${RUN_FORMAT}'`);
    const version = r.int('version', 0);
    if (version !== RUN_VERSION)
      throw new SnapshotError(
        r.path('version'),
        'version',
        `version ${version} is not ${RUN_VERSION} (this build)`,
      );
    const s = r.object('scenario', 'the scenario named');
    const name = s.string('name');
    const steps = s.int('steps', 0);
    s.end();
    if (name !== scenario.name || steps !== scenario.steps.length)
      throw new SnapshotError(
        r.path('scenario'),
        'reference',
        `taken from '${name}' (${steps} steps), not '${scenario.name}' (${scenario.steps.length} steps)`,
      );
    const cursor = readCursor(r.object('cursor', 'the run cursor'), steps);
    const rawTrace = r.raw('trace');
    let trace: TraceRecorder | undefined;
    if (rawTrace !== null) {
      const t = r.object('trace', 'the trace cursor');
      trace = new TraceRecorder({ seq: t.int('seq', 0), partition: t.string('partition') });
      t.end();
    }
    const worldJson = r.raw('world');
    r.end();
    const recorder = trace ?? options.recorder ?? new CountingRecorder();
    const world = SimWorld.restoreAt(worldJson, r.path('world'), recorder, options);
    return { ok: true, value: { runner: new ScenarioRunner(scenario, world, trace, cursor), world, trace } };
  } catch (e) {
    if (e instanceof SnapshotError) return { ok: false, error: e };
    throw e;
  }
}

function readCursor(r: FieldReader, steps: number): RunCursor {
  const next = r.int('next', 0, steps);
  const pairs = <K>(name: string, key: (v: unknown, p: string) => K): (readonly [K, number])[] => {
    const seen = new Set<K>();
    return r.each(name, (item, p) => {
      const t = readArray(item, p, { length: 2 });
      const k = key(t[0], childPath(p, 0));
      if (seen.has(k)) throw new SnapshotError(childPath(p, 0), 'duplicate', `${String(k)} appears twice`);
      seen.add(k);
      return [k, readInt(t[1], childPath(p, 1), 0)] as const;
    });
  };
  const c: RunCursor = {
    next,
    partitions: pairs('partitions', readString),
    vps: pairs('vps', readString),
    eventfds: pairs('eventfds', (v, p) => readInt(v, p, 0)),
    operations: r.int('operations', 0),
  };
  r.end();
  return c;
}
