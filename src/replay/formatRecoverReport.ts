import { formatVerdict } from './formatVerdict.js';
import type { LivePartition } from './liveInventory.js';
import type { RecoverReport } from './recoverRecords.js';

/**
 * A recovery report as the lines `mshv-control recover` prints: the replay of the committed prefix,
 * what was live, the teardown (each close in order) and the audit.
 *
 * @example
 * formatRecoverReport(recoverLog('crashed.log')).join('\n');
 */
export function formatRecoverReport(r: RecoverReport): string[] {
  // Closed or not is unknown of a log that cannot be opened, or whose end marker does not read.
  const out = [
    ...(r.closed === null
      ? []
      : [
          `log: ${r.closed ? 'closed (end marker present)' : 'not closed (the writer crashed or is still writing): recovering its last committed record'}`,
        ]),
    ...formatVerdict(r.replay),
  ];
  if (r.message !== undefined && r.replay.status === 'identical') out.push(`recover: ${r.message}`);
  if (r.live === null) return out;
  const live = r.live;
  const seq = r.replay.status === 'identical' ? r.replay.lastSeq : 0;
  out.push(
    live.partitions.length === 0 && live.eventfds.length === 0
      ? `live at seq ${seq}: nothing`
      : `live at seq ${seq}: ${live.partitions.length} partition(s), ${live.eventfds.length} eventfd(s); root pool ${live.rootPoolPages} pages`,
  );
  for (const p of live.partitions) out.push(...partitionLines(p));
  if (live.eventfds.length > 0) out.push(`  eventfds: ${live.eventfds.join(', ')}`);
  if (live.mappings !== undefined)
    out.push(`  VP page mappings (gone with the process): ${live.mappings.join(', ')}`);
  out.push(...unreachableLines(r));
  if (r.status === 'listed') {
    out.push('dry run: nothing closed');
    return out;
  }
  out.push(
    r.teardown.length === 0
      ? 'teardown: nothing to close'
      : `teardown (close(2), §c.12 order): ${r.teardown.map((t) => `fd ${t.fd} ${t.what}${t.result === 'ok' ? '' : ` (${t.result})`}`).join(', ')}`,
  );
  if (r.teardown.length > 0) out.push(`  hypercalls: ${r.teardownHypercalls}`);
  if (r.teardownRefused.length > 0)
    out.push(
      `  refused by the hypervisor (it keeps what they would have released): ${r.teardownRefused.join(', ')}`,
    );
  const a = r.audit;
  if (a !== null)
    out.push(
      a.clean
        ? 'audit: clean (pages conserved, 0 leaked, 0 pinned, no partition left)'
        : `audit: LEAK: conserved ${a.conserved ? 'yes' : 'no'}, ${a.leakedPages} leaked page(s), ${a.pinnedPages} pinned page(s), ` +
            `${a.liveChildPartitions} hypervisor partition(s) and ${a.driverPartitions} driver partition(s) left` +
            (a.openFds.length === 0 ? '' : `, fd(s) still open: ${a.openFds.join(', ')}`) +
            (a.violations.length === 0 ? '' : `; ${a.violations.join('; ')}`),
    );
  return out;
}

/** What the hypervisor held beyond any fd before the teardown (the run's own teardown was refused). */
function unreachableLines(r: RecoverReport): string[] {
  const u = r.unreachable;
  if (u === null || (u.partitions.length === 0 && u.leakedPages === 0)) return [];
  const what = [
    ...u.partitions.map((p) => `partition ${p.id} (${p.state})`),
    ...(u.leakedPages === 0 ? [] : [`${u.leakedPages} page(s) deposited in deleted partitions`]),
  ];
  return [
    `held by the hypervisor beyond any fd (the run's own teardown was refused; no close reaches it): ${what.join(', ')}`,
  ];
}

function partitionLines(p: LivePartition): string[] {
  const lines = [
    `  partition ${p.name}: fd ${p.fd}${p.fdOpen ? '' : ' (closed; VP fds hold it)'}, id ${p.id}` +
      `${p.state === null ? '' : `, machine ${p.state}`}${p.initialized ? ', initialized' : ''}`,
  ];
  if (p.regions.length > 0)
    lines.push(
      `    regions: ${p.regions.map((r) => `gfn 0x${r.guestPfn.toString(16)} +${r.pages} pages ${r.kind}${r.presentPages === undefined ? '' : ` (${r.presentPages} present)`} at ${r.userAddr}`).join('; ')}`,
    );
  if (p.vps.length > 0)
    lines.push(
      `    vps: ${p.vps.map((v) => `${v.index} (fd ${v.fd}${v.state === null ? '' : `, ${v.state}`}${v.runPending ? ', run pending' : ''})`).join(', ')}`,
    );
  if (p.doorbells.length > 0)
    lines.push(
      `    doorbells: ${p.doorbells.map((d) => `port ${d.portId} eventfd ${d.eventfd} at ${d.addr}/${d.len}`).join(', ')}`,
    );
  if (p.irqfds.length > 0)
    lines.push(`    irqfds: ${p.irqfds.map((f) => `eventfd ${f.eventfd} gsi ${f.gsi}`).join(', ')}`);
  if (p.msiRoutes > 0) lines.push(`    msi routes: ${p.msiRoutes}`);
  if (p.pool !== null)
    lines.push(
      `    deposited pages: ${p.pool.pages} (free ${p.pool.freePages}, used ${p.pool.usedPages}); ports ${p.ports}, connections ${p.connections}`,
    );
  return lines;
}
