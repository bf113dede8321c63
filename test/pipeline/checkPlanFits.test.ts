import { describe, expect, it } from 'vitest';
import { partitionId } from '../../src/hv/ids.js';
import { traitsOf } from '../../src/hv/Hypercall.js';
import { MapGpaPages } from '../../src/hv/hypercalls/MapGpaPages.js';
import { SetVpState } from '../../src/hv/hypercalls/SetVpState.js';
import { UnmapGpaPages } from '../../src/hv/hypercalls/UnmapGpaPages.js';
import { HvPage } from '../../src/ports/HvPage.js';
import type { CallPlan } from '../../src/pipeline/CallPlan.js';
import { zeroThenFill } from '../../src/pipeline/fillInputPage.js';
import { CountingRecorder } from '../../src/pipeline/HypercallRecorder.js';
import { PfnRunList } from '../../src/pipeline/PfnRuns.js';
import { windowedExecutor } from '../../src/pipeline/windowedExecutor.js';
import { WindowTracker } from '../../src/pipeline/WindowTracker.js';
import { ScriptedPort } from './ScriptedPort.js';

const pid = partitionId(7n);
const mapHeader = { targetPartitionId: pid, targetGpaBase: 0n, mapFlags: 1 };

function rig() {
  const port = new ScriptedPort();
  const windows = new WindowTracker();
  const pages = { input: new HvPage(), output: new HvPage() };
  pages.input.bytes.fill(0xab);
  const exec = windowedExecutor({ port, pages, windows, recorder: new CountingRecorder() });
  return { port, windows, pages, exec };
}

/** A MAP_GPA_PAGES plan of `repCount` reps without its PFN list. */
const withoutList = (repCount: number): CallPlan => ({
  def: MapGpaPages,
  traits: traitsOf(MapGpaPages),
  header: mapHeader,
  repCount,
  op: 't',
});

const mapPlan = (repCount: number, extra: Partial<CallPlan> = {}): CallPlan => ({
  ...withoutList(repCount),
  list: new PfnRunList([{ pfn: 0x5000, count: 4096 }]),
  ...extra,
});

// Inventory §b.5 (batch sizes from the 4 KiB page; HV_UMAP_GPA_PAGES 512 bounds the IRQ-off window);
// design.md principles 4 (broken invariants throw) and 7 (the work inside one window is bounded).
describe('a slow call that does not fit is refused before its window opens (inventory §b.5)', () => {
  it.each([
    [
      'MAP_GPA_PAGES over its 509-entry input page',
      mapPlan(600),
      /repCount 600 exceeds batchRepsMax 509 \(input-page\)/,
    ],
    [
      'UNMAP_GPA_PAGES over its 512-rep window bound',
      {
        def: UnmapGpaPages,
        traits: traitsOf(UnmapGpaPages),
        header: { targetPartitionId: pid, targetGpaBase: 0n, unmapFlags: 0 },
        repCount: 4095,
        op: 't',
      },
      /UNMAP_GPA_PAGES \(t\): repCount 4095 exceeds batchRepsMax 512 \(interrupt-latency/,
    ],
    [
      'a rep call with list elements and no list',
      withoutList(3),
      /MAP_GPA_PAGES \(t\): 3 list elements of 8 bytes planned but no list given/,
    ],
    [
      'a list past the page when the traits claim a larger batch',
      mapPlan(600, { traits: { ...traitsOf(MapGpaPages), batchRepsMax: 4095 } }),
      /input of 4824 bytes \(header 24 \+ 600 × 8\) does not fit the 4096-byte input page/,
    ],
    [
      'a variable header of 508 qwords (HV_SET_VP_STATE_BATCH_SIZE 507)',
      {
        def: SetVpState,
        traits: traitsOf(SetVpState),
        header: { partitionId: pid, vpIndex: 0, inputVtl: 0 },
        repCount: 0,
        varHeadQwords: 508,
        listCount: 508,
        list: new PfnRunList([{ pfn: 1, count: 508 }]),
        op: 't',
      },
      /SET_VP_STATE \(t\): listCount 508 exceeds batchRepsMax 507/,
    ],
  ] as [string, CallPlan, RegExp][])('%s: RangeError, nothing issued, no window', (_what, plan, rule) => {
    const r = rig();
    expect(() => r.exec(plan)).toThrow(RangeError);
    expect(() => r.exec(plan)).toThrow(rule);
    expect(r.port.seen).toHaveLength(0);
    expect(r.windows.count).toBe(0);
    expect(r.windows.current).toBeNull();
    expect(r.pages.input.bytes.every((b) => b === 0xab)).toBe(true);
  });

  it('issues a plan that fills its bound exactly', () => {
    const r = rig();
    const out = r.exec(mapPlan(509));
    expect(out).toMatchObject({ result: 0, repsCompleted: 509 });
    expect(r.port.seen.map((c) => c.repCount)).toEqual([509]);
    expect(r.pages.input.getU64Number(4088)).toBe(0x5000 + 508);
  });

  it('zeroThenFill refuses the same plans before it writes a byte', () => {
    const page = new HvPage();
    page.bytes.fill(0xab);
    expect(() => {
      zeroThenFill(mapPlan(600), page, 0, 600);
    }).toThrow(/batchRepsMax 509/);
    expect(() => {
      zeroThenFill(withoutList(3), page, 0, 3);
    }).toThrow(/no list given/);
    expect(page.bytes.every((b) => b === 0xab)).toBe(true);
  });
});
