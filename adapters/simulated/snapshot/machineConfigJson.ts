import { hvStatusByName } from '../../../src/hv/HvStatus.js';
import type { JsonValue } from '../../../src/log/JsonValue.js';
import { list } from '../../../src/scenario/Codec.js';
import { hostMemoryCodec } from '../../../src/scenario/hostMemoryCodec.js';
import { faultCodec, schedulers } from '../../../src/scenario/hypervisorCodec.js';
import { RAM_REGIONS } from '../../../src/scenario/kernelCodec.js';
import { FieldReader, hexWord64, readInt, readNumber, readWord } from '../../../src/snapshot/FieldReader.js';
import { SnapshotError } from '../../../src/snapshot/SnapshotError.js';
import type { CostModel, MachineConfig } from '../MachineConfig.js';
import type { FragmentationKnobs } from '../host/UserSpace.js';
import { viaScenarioCodec } from './viaScenarioCodec.js';

const V = 1;
const faultList = list(faultCodec);

const COST_FIELDS = [
  'createPartitionRootPages',
  'initializePages',
  'vpPages',
  'portPages',
  'connectionPages',
  'rootPoolInitialPages',
] as const satisfies readonly (keyof CostModel)[];

/**
 * A machine's configuration as a snapshot keeps it: the fields the caller chose, as given (knobs
 * are derived from it again on restore). Host memory and the fault plan are written as a scenario
 * writes them.
 *
 * @example
 * writeMachineConfig({ seed: 7, scheduler: 'root' }); // { v: 1, seed: 7, scheduler: 'root' }
 */
export function writeMachineConfig(c: MachineConfig): JsonValue {
  const out: Record<string, JsonValue> = {
    v: V,
    seed: typeof c.seed === 'number' ? c.seed : hexWord64(c.seed),
  };
  if (c.scheduler !== undefined) out.scheduler = c.scheduler;
  if (c.repTimeSlice !== undefined) out.repTimeSlice = c.repTimeSlice;
  if (c.dispatchInterruptInjection !== undefined)
    out.dispatchInterruptInjection = c.dispatchInterruptInjection;
  if (c.ramRegions !== undefined) out.ramRegions = c.ramRegions;
  if (c.faults !== undefined) out.faults = faultList.write(c.faults);
  if (c.randomFaults !== undefined) {
    const rates: Record<string, number> = {};
    for (const [name, rate] of Object.entries(c.randomFaults)) if (rate !== undefined) rates[name] = rate;
    out.randomFaults = rates;
  }
  if (c.hostMemory !== undefined) out.hostMemory = hostMemoryCodec.write(c.hostMemory);
  if (c.cpuCount !== undefined) out.cpuCount = c.cpuCount;
  if (c.hostRamBytes !== undefined) out.hostRamBytes = hexWord64(c.hostRamBytes);
  if (c.asyncPropertyRate !== undefined) out.asyncPropertyRate = c.asyncPropertyRate;
  if (c.costs !== undefined) out.costs = { ...c.costs };
  if (c.fragmentation !== undefined) out.fragmentation = { ...c.fragmentation };
  return out;
}

/**
 * Read a configuration written by `writeMachineConfig`, with the checks the machine's constructor
 * would make (names, ranges), each naming its path.
 *
 * @example
 * readMachineConfig({ v: 1, seed: 7 }, '$.config'); // { seed: 7 }
 */
export function readMachineConfig(json: unknown, path: string): MachineConfig {
  const r = FieldReader.of(json, path, 'a machine configuration', V);
  const rawSeed = r.raw('seed');
  const seed =
    typeof rawSeed === 'number'
      ? readInt(rawSeed, r.path('seed'), -Number.MAX_SAFE_INTEGER)
      : readWord(rawSeed, r.path('seed'));
  const c: { -readonly [K in keyof MachineConfig]: MachineConfig[K] } = { seed };
  if (r.has('scheduler')) c.scheduler = r.oneOf('scheduler', schedulers);
  if (r.has('repTimeSlice')) c.repTimeSlice = r.int('repTimeSlice', 1);
  if (r.has('dispatchInterruptInjection'))
    c.dispatchInterruptInjection = r.bool('dispatchInterruptInjection');
  if (r.has('ramRegions')) c.ramRegions = r.oneOf('ramRegions', RAM_REGIONS);
  if (r.has('faults')) c.faults = viaScenarioCodec(faultList, r.raw('faults'), r.path('faults'));
  if (r.has('randomFaults')) c.randomFaults = readRates(r.object('randomFaults', 'random fault rates'));
  if (r.has('hostMemory'))
    c.hostMemory = viaScenarioCodec(hostMemoryCodec, r.raw('hostMemory'), r.path('hostMemory'));
  if (r.has('cpuCount')) c.cpuCount = r.int('cpuCount', 1, 1024);
  if (r.has('hostRamBytes')) c.hostRamBytes = r.word('hostRamBytes');
  if (r.has('asyncPropertyRate')) c.asyncPropertyRate = r.number('asyncPropertyRate', 0, 1);
  if (r.has('costs')) {
    const cr = r.object('costs', 'cost overrides');
    const costs: Partial<Record<(typeof COST_FIELDS)[number], number>> = {};
    for (const f of COST_FIELDS) if (cr.has(f)) costs[f] = cr.int(f, 0, 1 << 20);
    cr.end();
    c.costs = costs;
  }
  if (r.has('fragmentation')) {
    const fr = r.object('fragmentation', 'fragmentation overrides');
    const f: { -readonly [K in keyof FragmentationKnobs]?: number } = {};
    if (fr.has('runPagesMean')) f.runPagesMean = fr.int('runPagesMean', 1);
    if (fr.has('shortRunRate')) f.shortRunRate = fr.number('shortRunRate', 0, 1);
    if (fr.has('gapPagesMax')) f.gapPagesMax = fr.int('gapPagesMax', 1);
    if (fr.has('hugeRunChunksMax')) f.hugeRunChunksMax = fr.int('hugeRunChunksMax', 1);
    fr.end();
    c.fragmentation = f;
  }
  r.end();
  return c;
}

function readRates(r: FieldReader): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of r.keys()) {
    const code = hvStatusByName(name);
    if (code === undefined || code === 0 || name === 'CALL_PENDING')
      throw new SnapshotError(
        r.path(name),
        'config',
        `'${name}' is not an HV_STATUS name a fault can inject`,
      );
    out[name] = readNumber(r.raw(name), r.path(name), 0, 1);
  }
  r.end();
  return out;
}
