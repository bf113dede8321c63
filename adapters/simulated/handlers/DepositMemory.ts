import { DepositMemory, DepositMemoryInput } from '../../../src/hv/hypercalls/DepositMemory.js';
import { PFN_LIMIT } from '../host/HostRam.js';
import { S, listU64, partitionIn, repHandler } from './Handler.js';

/**
 * DEPOSIT_MEMORY (rep, ≤ 511): each rep gives one root page (GPA = SPA for the root) to the target's
 * pool. The page must be an allocated kernel page the root owns outright: not free, not user memory,
 * not deposited already, not mapped into a guest, not a shared hypervisor page (ACCESS_DENIED at that
 * rep). Deposits into created or initialized partitions, the root included; a finalized partition is
 * INVALID_PARTITION_STATE. A page number beyond the 52-bit physical address space is
 * INVALID_PARAMETER at that rep. Contiguous reps are taken as one run, every page of it checked, so
 * the answer is the same however the PFNs group into runs.
 */
export const DepositMemoryHandler = repHandler(
  DepositMemory,
  [S.INVALID_PARTITION_ID, S.INVALID_PARTITION_STATE, S.ACCESS_DENIED, S.INVALID_PARAMETER],
  (ctx, from, to) => {
    const { partitionId } = DepositMemoryInput.decode(ctx.input);
    const found = partitionIn(ctx, partitionId, ['created', 'initialized']);
    if (!found.ok) return { status: found.status, done: 0 };
    const pool = found.value.pool;
    const ram = ctx.m.ram;
    const base = DepositMemoryInput.size;
    let i = from;
    while (i < to) {
      const pfn = listU64(ctx, base, i);
      let k = i + 1;
      while (k < to && listU64(ctx, base, k) === pfn + (k - i)) k++;
      // Every page of the run, not only its first: the answer may not depend on how PFNs group.
      const ok = (p: number, n: number): boolean =>
        p + n <= PFN_LIMIT &&
        ram.all(p, n, (o) => o.kind === 'kernel' && o.maps === 0) &&
        !ram.anySharedWithRoot(p, n);
      if (!ok(pfn, k - i)) {
        let good = i;
        while (good < k && ok(listU64(ctx, base, good), 1)) good++;
        if (good > i) pool.deposit(pfn, good - i);
        const bad = listU64(ctx, base, good);
        return { status: bad >= PFN_LIMIT ? S.INVALID_PARAMETER : S.ACCESS_DENIED, done: good - from };
      }
      pool.deposit(pfn, k - i);
      i = k;
    }
    return { status: S.SUCCESS, done: to - from };
  },
);
