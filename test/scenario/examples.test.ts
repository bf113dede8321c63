import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, parseScenarioText } from '../../src/scenario/loadScenario.js';
import { readScenarioFile } from '../../src/scenario/readScenarioFile.js';
import type { GuestExitKind, Scenario, Step, StepOp } from '../../src/scenario/Scenario.js';
import { scenarioToJson } from '../../src/scenario/scenarioToJson.js';
import { stepOps } from '../../src/scenario/stepSpecs.js';
import { contractExampleText } from './contractExample.js';

const dir = 'docs/scenarios';
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();
const examples = new Map<string, Scenario>(
  files.map((f) => [f.replace(/\.json$/, ''), parseScenarioText(readFileSync(join(dir, f), 'utf8'))]),
);

function example(name: string): Scenario {
  const s = examples.get(name);
  if (s === undefined) throw new Error(`docs/scenarios/${name}.json is missing`);
  return s;
}

/** The steps of an example that expect `errno`, as `op:errno`. */
function expectations(name: string): string[] {
  return example(name)
    .steps.filter((s) => s.expect !== 'ok')
    .map((s) => `${s.op}:${s.expect}`);
}

function find<Op extends StepOp>(name: string, op: Op, pred: (s: Extract<Step, { op: Op }>) => boolean) {
  return example(name).steps.filter(
    (s): s is Extract<Step, { op: Op }> => s.op === op && pred(s as Extract<Step, { op: Op }>),
  );
}

describe('docs/scenarios: the shipped examples (issue 4, "ship example scenarios that cover every op")', () => {
  it.each(files)('%s loads from disk, is named after its file and describes itself', async (file) => {
    const s = await readScenarioFile(join(dir, file));
    expect(s.name).toBe(file.replace(/\.json$/, ''));
    expect(s.description?.length).toBeGreaterThan(40);
  });

  it.each(files)('%s round-trips through scenarioToJson', (file) => {
    const s = example(file.replace(/\.json$/, ''));
    expect(loadScenario(JSON.parse(JSON.stringify(scenarioToJson(s))))).toStrictEqual(s);
  });

  it('ships the eleven scenarios the issue names, and movable-regions and movable-fault-in-race (NEW kernels)', () => {
    expect([...examples.keys()]).toEqual(
      [
        'bad-input-rejected',
        'boot-4k',
        'dirty-bitmap',
        'faults',
        'irqfd-ioeventfd-msi',
        'large-pages-2m',
        'mmio',
        'movable-fault-in-race',
        'movable-regions',
        'root-hvcall',
        'run-root-scheduler',
        'vp-lifecycle',
        'vp-state',
      ].sort(),
    );
  });

  it('together use every version-1 op, every guest exit kind and every scheduler', () => {
    const all = [...examples.values()];
    const ops = new Set(all.flatMap((s) => s.steps.map((st) => st.op)));
    expect([...ops].sort()).toEqual([...stepOps].sort());
    const exits = new Set<GuestExitKind>(
      all.flatMap((s) => s.steps.flatMap((st) => (st.op === 'runVp' ? st.guest.map((g) => g.exit) : []))),
    );
    expect([...exits].sort()).toEqual([
      'CPUID',
      'EXCEPTION',
      'HALT',
      'IO_PORT',
      'MMIO',
      'MSR',
      'UNMAPPED_GPA',
    ]);
    expect(new Set(all.map((s) => s.hypervisor.scheduler))).toEqual(new Set(['core-smt', 'root']));
  });

  it('boot-4k is the contract example plus a description', () => {
    const { description, ...rest } = example('boot-4k');
    expect(description).toBeDefined();
    expect(rest).toStrictEqual(parseScenarioText(contractExampleText));
  });

  it('large-pages-2m: super pages on 2M host pages, one region aligned and one offset by 1 MiB (§c.4)', () => {
    const s = example('large-pages-2m');
    expect(s.hostMemory).toEqual([expect.objectContaining({ kind: 'ram', pageSize: 2097152 })]);
    const create = find('large-pages-2m', 'createPartition', () => true)[0]!;
    expect(create.flags & (1n << 2n)).toBe(1n << 2n); // GPA_SUPER_PAGES
    const maps = find('large-pages-2m', 'setGuestMemory', (m) => (m.flags & 4) === 0);
    const offsetsPages = maps.map((m) => [
      Number(m.guestPfn % 512n),
      Number((m.userAddr % (1n << 21n)) >> 12n),
    ]);
    expect(offsetsPages).toEqual([
      [0, 0], // 2M chunks only
      [256, 256], // 4K, then 2M, then 4K
    ]);
    expect(maps.every((m) => m.size % (1n << 21n) === 0n && m.size > 1n << 21n)).toBe(true);
  });

  it('vp-lifecycle: EEXIST on a used slot, EINVAL from index 256 (§c.5), EINTR on a signal (§c.6)', () => {
    expect(expectations('vp-lifecycle')).toEqual([
      'createVp:EEXIST',
      'createVp:EINVAL',
      'createVp:EINVAL',
      'runVp:EINTR',
      'createVp:EIO',
    ]);
    expect(find('vp-lifecycle', 'createVp', (s) => s.expect === 'EINVAL').map((s) => s.vpIndex)).toEqual([
      256, 0xffffffff,
    ]);
    expect(find('vp-lifecycle', 'createVp', (s) => s.expect === 'ok').map((s) => s.vpIndex)).toEqual([
      0, 255,
    ]);
  });

  it('run-root-scheduler runs under the root scheduler', () => {
    expect(example('run-root-scheduler').hypervisor.scheduler).toBe('root');
    expect(expectations('run-root-scheduler')).toEqual(['runVp:EINTR']);
  });

  it('vp-state: every state type, and EINVAL for a too-small buffer, an unknown type and rsvd (§c.7)', () => {
    const types = new Set(find('vp-state', 'getVpState', (s) => s.expect === 'ok').map((s) => s.type));
    expect(types).toEqual(new Set([0, 1, 2, 3, 4]));
    const bad = example('vp-state').steps.filter((s) => s.expect !== 'ok');
    expect(bad.map((s) => s.expect)).toEqual(['EINVAL', 'EINVAL', 'EINVAL', 'EINVAL']);
    expect(bad[0]).toMatchObject({ bufSize: 100 }); // below the smallest state (200 bytes, synthetic timers)
  });

  it('irqfd-ioeventfd-msi: PIO is EOPNOTSUPP and a duplicate gsi EINVAL (§c.11)', () => {
    const e = expectations('irqfd-ioeventfd-msi');
    expect(e).toContain('ioeventfd:EOPNOTSUPP');
    const pio = find('irqfd-ioeventfd-msi', 'ioeventfd', (s) => s.expect === 'EOPNOTSUPP');
    expect(pio.map((s) => s.flags)).toEqual([2]); // MSHV_IOEVENTFD_BIT_PIO
    const dup = find(
      'irqfd-ioeventfd-msi',
      'setMsiRouting',
      (s) => new Set(s.entries.map((x) => x.gsi)).size < s.entries.length,
    );
    expect(dup.map((s) => s.expect)).toEqual(['EINVAL']);
    expect(e).toEqual(
      expect.arrayContaining([
        'irqfd:EBUSY',
        'irqfd:EBADF',
        'ioeventfd:EEXIST',
        'ioeventfd:ENOENT',
        'setMsiRouting:EINVAL',
      ]),
    );
  });

  it('dirty-bitmap reads more than one 4095-page batch and checks the EINVAL rules (§b.5, §d)', () => {
    const reads = find('dirty-bitmap', 'getGpapAccessBitmap', (s) => s.expect === 'ok');
    expect(reads.some((s) => s.pageCount > 4095n)).toBe(true);
    expect(new Set(reads.map((s) => s.accessOp))).toEqual(new Set([0, 1, 2]));
    expect(expectations('dirty-bitmap')).toEqual(
      Array.from({ length: 4 }, () => 'getGpapAccessBitmap:EINVAL'),
    );
  });

  it('root-hvcall: allow-listed GET_PARTITION_PROPERTY succeeds, a code off the list is EINVAL (§b.4)', () => {
    const ok = find('root-hvcall', 'rootHvcall', (s) => s.expect === 'ok');
    expect(ok.map((s) => [s.target, s.code])).toEqual([
      ['partition', 0x44],
      ['device', 0x44],
      ['vp', 0x50],
    ]);
    const refused = find('root-hvcall', 'rootHvcall', (s) => s.expect === 'EINVAL').map((s) => s.code);
    expect(refused).toEqual(expect.arrayContaining([0x4e, 0x4b]));
  });

  it('faults: INSUFFICIENT_MEMORY on MAP_GPA_PAGES is deposited and retried, so the map succeeds (§b.3)', () => {
    const s = example('faults');
    expect(s.hypervisor.faults).toContainEqual({
      call: 'MAP_GPA_PAGES',
      nth: 1,
      status: 0x0b,
      statusName: 'INSUFFICIENT_MEMORY',
    });
    expect(s.steps.find((st) => st.op === 'setGuestMemory')?.expect).toBe('ok');
    expect(expectations('faults')).toEqual(['setGuestMemory:EIO']);
  });

  it('bad-input-rejected: unaligned size, unknown flag bits, rsvd non-zero, unknown region (ENOENT, newest §d)', () => {
    const bad = find('bad-input-rejected', 'setGuestMemory', (s) => s.expect !== 'ok');
    expect(bad.some((s) => s.expect === 'EINVAL' && s.size % 4096n !== 0n)).toBe(true);
    expect(bad.some((s) => s.expect === 'EINVAL' && (s.flags & ~7) !== 0)).toBe(true);
    expect(bad.some((s) => s.expect === 'EINVAL' && s.rsvd.some((b) => b !== 0))).toBe(true);
    expect(bad.some((s) => s.expect === 'ENOENT' && (s.flags & 4) !== 0)).toBe(true);
    const creates = find('bad-input-rejected', 'createPartition', (s) => s.expect === 'EINVAL');
    expect(creates.some((s) => (s.flags & ~0x3fn) !== 0n)).toBe(true); // outside MSHV_PT_FLAGS_MASK
  });
});
