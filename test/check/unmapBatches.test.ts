import { describe, expect, it } from 'vitest';
import { CheckWorld } from '../../src/check/CheckWorld.js';
import { defaultModel } from '../../src/check/defaultModel.js';
import type { ObservedCall } from '../../src/check/invariants/index.js';
import { unmapBatches } from '../../src/check/invariants/index.js';
import type { Step } from '../../src/check/Step.js';
import { HV_UNMAP_GPA_LARGE_PAGE } from '../../src/hv/flags/HvMapGpaFlag.js';
import { traitsOf } from '../../src/hv/Hypercall.js';
import { UnmapGpaPages, UnmapGpaPagesInput } from '../../src/hv/hypercalls/UnmapGpaPages.js';

/**
 * Seed review point 6 (inventory §b.5: HV_UMAP_GPA_PAGES = 512): every UNMAP_GPA_PAGES batch but
 * the last of its range carries 512 reps. The hooks are fed the calls a driver would issue, as the
 * CheckWorld's port wrapper hands them over, on a world whose driver holds a 32 KiB region at GFN
 * 0x1000 (the default model's ram4k).
 */
const intent = (name: string, args: unknown): Step => ({ kind: 'intent', name, args: args as never });

function worldWithRegion(): { readonly w: CheckWorld; readonly id: bigint } {
  const w = new CheckWorld({ world: defaultModel().world });
  w.observing = true;
  for (const s of [
    intent('createPartition', { key: 'vm0', args: { ptFlags: '0x0', ptIsolation: '0x0' } }),
    intent('partition', { key: 'vm0', request: { type: 'INITIALIZE' } }),
    intent('partition', {
      key: 'vm0',
      request: {
        type: 'MAP_MEMORY',
        region: 'ram4k',
        detail: { guestPfn: '0x1000', size: '0x8000', userAddr: '0x7f0100000000', flags: 1 },
      },
    }),
  ])
    expect(w.run(s).violation).toBeUndefined();
  const pt = w.kernelPartition('vm0');
  if (pt === undefined) throw new Error('no partition');
  return { w, id: pt.id };
}

/** An UNMAP_GPA_PAGES issue as the hypervisor sees it. */
function unmap(partition: bigint, base: bigint, repCount: number, repStart = 0, flags = 0): ObservedCall {
  const view = new DataView(new ArrayBuffer(4096));
  UnmapGpaPagesInput.encode({ targetPartitionId: partition, targetGpaBase: base, unmapFlags: flags }, view);
  return {
    code: UnmapGpaPages.code,
    name: UnmapGpaPages.name,
    def: UnmapGpaPages,
    traits: traitsOf(UnmapGpaPages),
    fast: false,
    control: 0n,
    repCount,
    repStart,
    input: view,
    perCpu: true,
    window: 1,
  };
}

const success = (reps: number): bigint => BigInt(reps) << 32n;
const failed = (reps: number): bigint => (BigInt(reps) << 32n) | 0x11n;

/** Issue each call through both hooks; the verdicts in order. */
function issue(
  w: CheckWorld,
  calls: readonly (readonly [ObservedCall, bigint])[],
): (string | null | undefined)[] {
  return calls.map(([call, status]) => {
    const verdict = unmapBatches.beforeCall?.(call, w);
    unmapBatches.afterCall?.(call, status, w);
    return verdict;
  });
}

describe('unmapBatches (review point 6)', () => {
  it('holds for full batches of 512 and a short last one, resumes included', () => {
    const { w, id } = worldWithRegion();
    // 1,100 pages at 0x10000: 512 (issued in two slices), 512, 76.
    const verdicts = issue(w, [
      [unmap(id, 0x10000n, 512), success(300)],
      [unmap(id, 0x10000n, 512, 300), success(512)],
      [unmap(id, 0x10200n, 512), success(512)],
      [unmap(id, 0x10400n, 76), success(76)],
    ]);
    // The resume is no new batch (null); each later batch continues a full one (holds).
    expect(verdicts).toEqual([null, null, undefined, undefined]);
  });

  it('finds a range that goes on after a batch short of 512: the v5 code, 509 + 509 + 6', () => {
    const { w, id } = worldWithRegion();
    const verdicts = issue(w, [
      [unmap(id, 0x10000n, 509), success(509)],
      [unmap(id, 0x101fdn, 509), success(509)],
    ]);
    expect(verdicts[1]).toBe(
      `UNMAP_GPA_PAGES of partition 0x${id.toString(16)} went on at GPA page 0x101fd after a batch of 509 reps at 0x10000; ` +
        'every batch but the last of a range carries 512 (HV_UMAP_GPA_PAGES)',
    );
  });

  it('counts 2 MiB units in large-page mode', () => {
    const { w, id } = worldWithRegion();
    const large = HV_UNMAP_GPA_LARGE_PAGE;
    const verdicts = issue(w, [
      [unmap(id, 0x100000n, 509, 0, large), success(509)],
      [unmap(id, 0x100000n + 509n * 512n, 3, 0, large), success(3)],
    ]);
    expect(verdicts[1]).toContain('after a batch of 509 reps');
  });

  it('does not judge a batch after a failed one, of another stride, or where a region the driver holds begins', () => {
    const { w, id } = worldWithRegion();
    expect(
      issue(w, [
        // A failed batch ends the driver's loop: what follows starts a new range.
        [unmap(id, 0x10000n, 509), failed(100)],
        [unmap(id, 0x101fdn, 509), success(509)],
        // A 4 KiB tail after a 2 MiB chunk: another stride.
        [unmap(id, 0x101fdn + 509n, 8, 0, HV_UNMAP_GPA_LARGE_PAGE), success(8)],
        // Two ranges that touch: 8 pages ending at 0x1000, where the driver's region begins.
        [unmap(id, 0xff8n, 8), success(8)],
        [unmap(id, 0x1000n, 8), success(8)],
      ]),
    ).toEqual([null, null, null, null, null]);
    // The same pair where no region begins is one range cut short.
    expect(
      issue(w, [
        [unmap(id, 0x1ff8n, 8), success(8)],
        [unmap(id, 0x2000n, 8), success(8)],
      ])[1],
    ).toContain('went on at GPA page 0x2000 after a batch of 8 reps at 0x1ff8');
  });

  it('forgets the last batch at the next step', () => {
    const { w, id } = worldWithRegion();
    issue(w, [[unmap(id, 0x10000n, 509), success(509)]]);
    expect(
      w.run(intent('partition', { key: 'vm0', request: { type: 'CREATE_VP', vp: 0 } })).violation,
    ).toBeUndefined();
    expect(issue(w, [[unmap(id, 0x101fdn, 509), success(509)]])).toEqual([null]);
  });
});
