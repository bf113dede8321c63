import { HV_PAGE_SIZE } from '../../../src/hv/Page.js';
import type { JsonValue } from '../../../src/log/JsonValue.js';
import { FieldReader, hexWord64, readString } from '../../../src/snapshot/FieldReader.js';
import { readSparseBytes, writeSparseBytes } from '../../../src/snapshot/sparseBytes.js';
import { SnapshotError } from '../../../src/snapshot/SnapshotError.js';
import { ramRanges } from '../host/HostRam.js';
import { deriveKnobs, describeKnobs, type Knobs } from '../MachineConfig.js';
import type { SavedMachine } from '../SavedMachine.js';
import { readFaultPlan, writeFaultPlan } from './faultPlanJson.js';
import { readHostRam, writeHostRam } from './hostRamJson.js';
import { readHvModel, writeHvModel } from './hvModelJson.js';
import { readMachineConfig, writeMachineConfig } from './machineConfigJson.js';
import { readSynic, writeSynic } from './synicJson.js';
import { readUserSpace, writeUserSpace } from './userSpaceJson.js';

/** The `format` of a machine snapshot. */
export const MACHINE_FORMAT = 'mshv-control-machine';
/** The machine snapshot version this build writes and reads. */
export const MACHINE_VERSION = 1;

/**
 * A machine as JSON: `{ format, version, config, knobs, clockNs, ram, user, synic, kernelCursor, hv,
 * faults, hypervisor, cpuPages }`. `knobs` are the lines `describe()` prints, kept so a build that
 * derives different knobs from the same configuration refuses the snapshot instead of diverging.
 *
 * @example
 * writeMachine(machine.save(), machine.knobs);
 */
export function writeMachine(s: SavedMachine, knobs: Knobs): JsonValue {
  return {
    format: MACHINE_FORMAT,
    version: MACHINE_VERSION,
    config: writeMachineConfig(s.config),
    knobs: describeKnobs(knobs),
    clockNs: hexWord64(s.clockNs),
    ram: writeHostRam(s.ram),
    user: writeUserSpace(s.user, s.userRng),
    synic: writeSynic(s.synic),
    kernelCursor: s.kernelCursor,
    hv: writeHvModel(s.hv, s.asyncRng),
    faults: writeFaultPlan(s.faults, s.faultRng),
    hypervisor: { currentCpu: s.currentCpu, callCount: s.callCount },
    cpuPages: s.cpuPages.map((p) => ({
      input: writeSparseBytes(p.input),
      output: writeSparseBytes(p.output),
    })),
  };
}

/**
 * Read a machine written by `writeMachine`, checking the format and version first, then every part
 * against the configuration (CPU count, RAM size, VMA sizes). Throws a SnapshotError naming the
 * path and the rule.
 *
 * @example
 * const saved = readMachine(JSON.parse(text), '$');
 */
export function readMachine(json: unknown, path: string): SavedMachine {
  const r = FieldReader.of(json, path, 'a machine snapshot');
  const format = r.string('format');
  if (format !== MACHINE_FORMAT)
    throw new SnapshotError(r.path('format'), 'format', `'${format}' is not '${MACHINE_FORMAT}'`);
  const version = r.int('version', 0);
  if (version !== MACHINE_VERSION)
    throw new SnapshotError(
      r.path('version'),
      'version',
      `version ${version} is not ${MACHINE_VERSION} (this build)`,
    );
  const config = readMachineConfig(r.raw('config'), r.path('config'));
  let knobs: Knobs;
  try {
    knobs = deriveKnobs(config);
  } catch (e) {
    throw new SnapshotError(r.path('config'), 'config', (e as Error).message);
  }
  const lines = describeKnobs(knobs);
  r.each(
    'knobs',
    (item, p, i) => {
      const line = readString(item, p);
      if (line !== lines[i])
        throw new SnapshotError(
          p,
          'knobs',
          `recorded '${line}', this build derives '${lines[i] ?? '(nothing)'}'`,
        );
    },
    { length: lines.length },
  );
  const endPfn = ramEnd(knobs.hostRamPages);
  const cpus = knobs.cpuCount;
  const vmaPages = [...(config.hostMemory ?? [])]
    .sort((a, b) => (a.userAddr < b.userAddr ? -1 : a.userAddr > b.userAddr ? 1 : 0))
    .map((d) => Number(d.size >> 12n));
  const user = readUserSpace(r.raw('user'), r.path('user'), vmaPages, endPfn);
  const hv = readHvModel(r.raw('hv'), r.path('hv'), cpus, endPfn);
  const faults = readFaultPlan(r.raw('faults'), r.path('faults'));
  const h = r.object('hypervisor', 'the hypervisor registers');
  const currentCpu = h.int('currentCpu', 0, cpus - 1);
  const callCount = h.int('callCount', 0);
  h.end();
  const saved: SavedMachine = {
    config,
    clockNs: r.word('clockNs'),
    ram: readHostRam(r.raw('ram'), r.path('ram'), endPfn),
    user: user.saved,
    userRng: user.rng,
    synic: readSynic(r.raw('synic'), r.path('synic'), cpus),
    kernelCursor: r.int('kernelCursor', 0),
    hv: hv.saved,
    asyncRng: hv.rng,
    faults: faults.saved,
    faultRng: faults.rng,
    currentCpu,
    callCount,
    cpuPages: r.each(
      'cpuPages',
      (item, p) => {
        const c = FieldReader.of(item, p, "a CPU's hypercall pages");
        const pair = {
          input: readSparseBytes(c.raw('input'), c.path('input'), HV_PAGE_SIZE),
          output: readSparseBytes(c.raw('output'), c.path('output'), HV_PAGE_SIZE),
        };
        c.end();
        return pair;
      },
      { length: cpus },
    ),
  };
  r.end();
  return saved;
}

function ramEnd(pages: number): number {
  const ranges = ramRanges(pages);
  const last = ranges[ranges.length - 1];
  return last === undefined ? 0 : last.pfn + last.count;
}
