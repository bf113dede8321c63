import { HV_STATS_AREA } from '../../hv/flags/HvStats.js';
import { HV_VP_STATE_PAGE } from '../../hv/flags/HvVpState.js';
import { CREATE_VP_DEPOSIT_PAGES, CreateVp } from '../../hv/hypercalls/CreateVp.js';
import { DeleteVp } from '../../hv/hypercalls/DeleteVp.js';
import { MapStatsPage } from '../../hv/hypercalls/MapStatsPage.js';
import { MapVpStatePage } from '../../hv/hypercalls/MapVpStatePage.js';
import { UnmapVpStatePage } from '../../hv/hypercalls/UnmapVpStatePage.js';
import { MSHV_MAX_VPS } from '../../hv/uapi/flags.js';
import { type CallOutcome, HV_STATUS_SUCCESS } from '../CallPlan.js';
import type { DriverEnv } from './DriverEnv.js';
import { failOutcome } from './failOutcome.js';
import { type IoctlResult, fail, failDeposit, ok } from './IoctlResult.js';
import type { KernelPartition, KernelVp } from './KernelPartition.js';
import { newKernelVp } from './KernelVpState.js';
import { plan } from './plan.js';
import { statsHeader, unmapStatsPages } from './releaseVp.js';

export const CREATE_VP = 'MSHV_CREATE_VP';

/** hv_input_vtl of every call here: 0, the VP's own (normal) VTL. */
const INPUT_VTL_ZERO = 0;

type Undo = () => void;

/**
 * MSHV_CREATE_VP (inventory §c.5, §d): vp_index below MSHV_MAX_VPS (else -EINVAL) and a free slot
 * (else -EEXIST); then CREATE_VP (90-page upfront deposit into the child unless the target is the
 * root, 1-page retries; flags 0, subnode ANY), MAP_VP_STATE_PAGE intercept message then registers,
 * MAP_STATS_PAGE SELF then PARENT. Every mapped PFN is recorded in the returned KernelVp. On any
 * failure the steps already done are undone in strict reverse (stats parent, stats self, registers,
 * intercept message, DELETE_VP) and nothing is left behind; on success the slot is filled and the
 * VP takes a partition reference.
 *
 * Not modelled: SNP partitions (MSHV_PT_ISOLATION has only NONE, so the register page is always
 * mapped and the GHCB page never is); MAP_STATS_PAGE2 overlay pages (L1VH). The kernel quirk of
 * §d, "if the VP object allocation fails, `ret` still holds 0", cannot happen here: the VP record
 * cannot fail to allocate. In the kernel that path unmaps everything and returns 0 with no fd.
 *
 * @example
 * const r = createVp(env, pt, 0, 4);
 * if (r.ok) r.value.statePages.get(HV_VP_STATE_PAGE.INTERCEPT_MESSAGE); // the mapped PFN
 */
export function createVp(
  env: DriverEnv,
  pt: KernelPartition,
  vpIndex: number,
  fd: number,
): IoctlResult<KernelVp> {
  const op = CREATE_VP;
  if (!Number.isInteger(vpIndex) || vpIndex < 0 || vpIndex >= MSHV_MAX_VPS)
    return fail(op, 'EINVAL', `vp_index ${vpIndex}: must be below MSHV_MAX_VPS (${MSHV_MAX_VPS})`);
  if (pt.vps.has(vpIndex)) return fail(op, 'EEXIST', `vp_index ${vpIndex}: the slot already holds a VP`);
  const vp = newKernelVp(vpIndex, fd);
  const undo: Undo[] = [];
  const unwind = (): void => {
    for (const step of undo.reverse()) step();
  };
  const mapped = mapVpObjects(env, pt, vp, undo);
  if (!mapped.ok) {
    unwind();
    return mapped;
  }
  // mshv_partition_get fails once the refcount reached 0 (§d): unreachable through an open fd.
  if (pt.refs <= 0) {
    unwind();
    return fail(op, 'EBADF', `partition ${pt.id}: reference count already 0`);
  }
  pt.refs += 1;
  pt.vps.set(vpIndex, vp);
  return ok(vp);
}

/** The hypercall steps of VP creation; each success pushes its undo. */
function mapVpObjects(env: DriverEnv, pt: KernelPartition, vp: KernelVp, undo: Undo[]): IoctlResult<void> {
  const op = CREATE_VP;
  const created = hvCallCreateVp(env, pt, vp.index);
  if (!created.ok) return created;
  undo.push(() => env.exec(plan(DeleteVp, { partitionId: pt.id, vpIndex: vp.index }, op)));
  for (const type of [HV_VP_STATE_PAGE.INTERCEPT_MESSAGE, HV_VP_STATE_PAGE.REGISTERS]) {
    const outcome = env.exec(
      plan(
        MapVpStatePage,
        {
          partitionId: pt.id,
          vpIndex: vp.index,
          type,
          inputVtl: INPUT_VTL_ZERO,
          flags: 0,
          requestedMapLocation: 0n,
        },
        op,
        { deposit: { target: pt.id, pagesPerRetry: 1 } },
      ),
    );
    if (outcome.result !== HV_STATUS_SUCCESS) return failOutcome(op, outcome);
    vp.statePages.set(type, mapLocation(outcome));
    undo.push(() => {
      env.exec(plan(UnmapVpStatePage, { partitionId: pt.id, vpIndex: vp.index, type, inputVtl: 0 }, op));
      vp.statePages.delete(type);
    });
  }
  for (const area of [HV_STATS_AREA.SELF, HV_STATS_AREA.PARENT]) {
    // hv_call_map_stats_page deposits into the root (hv_current_partition_id), §b.3.
    const outcome = env.exec(
      plan(MapStatsPage, statsHeader(pt, vp.index, area), op, {
        deposit: { target: env.rootPartition, pagesPerRetry: 1 },
      }),
    );
    if (outcome.result !== HV_STATUS_SUCCESS) return failOutcome(op, outcome);
    vp.statsPages.set(area, mapLocation(outcome));
    // One undo for the stats pair: unmapStatsPages unmaps whichever areas are mapped, self first (kernel order).
    if (area === HV_STATS_AREA.SELF) {
      undo.push(() => {
        unmapStatsPages(env, pt, vp, op);
      });
    }
  }
  return ok(undefined);
}

/** hv_call_create_vp (hv_proc.c): the upfront deposit, then CREATE_VP with 1-page retries. */
function hvCallCreateVp(env: DriverEnv, pt: KernelPartition, vpIndex: number): IoctlResult<void> {
  const op = CREATE_VP;
  // "Root VPs don't seem to need pages deposited": only a child gets the 90 pages.
  if (pt.id !== env.rootPartition) {
    const deposited = env.deposit(pt.id, CREATE_VP_DEPOSIT_PAGES);
    if (deposited.errno !== 0)
      return failDeposit(op, deposited, `deposit of ${CREATE_VP_DEPOSIT_PAGES} pages`);
  }
  const outcome = env.exec(
    plan(
      CreateVp,
      { partitionId: pt.id, vpIndex, subnodeType: 0, subnodeId: 0n, proximityDomainInfo: 0n, flags: 0n },
      op,
      { deposit: { target: pt.id, pagesPerRetry: 1 } },
    ),
  );
  return outcome.result === HV_STATUS_SUCCESS ? ok(undefined) : failOutcome(op, outcome);
}

/** The u64 map_location (a PFN) of a MAP_VP_STATE_PAGE / MAP_STATS_PAGE output. */
function mapLocation(outcome: CallOutcome): bigint {
  const out = outcome.output;
  if (out === undefined || out.length < 8)
    throw new Error(`${outcome.plan.def.name}: no map_location in the output`);
  return new DataView(out.buffer, out.byteOffset, 8).getBigUint64(0, true);
}
