import { type HostStats, Host, type Partition, type Result, type Vp, type VpExit } from '../../api/index.js';
import type { CliIo } from '../Command.js';
import { DEMO_LAYOUT, afterResumeScript, bootScript } from './bootScript.js';
import { DemoProgress } from './DemoProgress.js';
import { replayDemoLog } from './replayDemoLog.js';

/** The demo's VPs. */
export const DEMO_VPS = 4;
/** The seed `npm start` runs with. */
export const DEMO_SEED = 2026;
/** RAM pages one dirty-bitmap read covers (vmm-lifecycle-rules 7). */
const PASS_PAGES = 65_536;
const STEPS = 11;

const RAM_USER_ADDR = 0x7f00_0000_0000n;
const FLASH_USER_ADDR = 0x7f80_0000_0000n;
const MMIO_USER_ADDR = 0x7e00_0000_0000n;
const MMIO_SPA = 0xf000_0000n;

/** A step failed: the demo stops, closes the host and exits 1. */
class DemoFailure extends Error {}

function must<T>(r: Result<T>, what: string): T {
  if (!r.ok) throw new DemoFailure(`${what}: ${r.error.message}`);
  return r.value;
}

const hex = (v: bigint): string => `0x${v.toString(16)}`;

/**
 * `mshv-control demo`: a 4-VP, 4 GiB guest on the simulated hypervisor through the Host API. The
 * seed comes first, then the partition is created, its RAM mapped with 2 MiB
 * pages beside an MMIO range and read-only flash, the VPs boot through scripted exits (port I/O,
 * CPUID, MMIO, HALT) and go to sleep in MSHV_RUN_VP, one dirty-page pass runs, a snapshot is refused
 * while running, the pause kicks the sleeping VPs, the resume lets them run again, and the host is
 * closed. The log is then verified and replayed, from the start and from its last snapshot
 * (`replayDemoLog`), and a summary printed: the seed and every knob
 * derived from it, hypercalls by kind, interrupt windows, deposits, the verdict. Everything printed but the
 * log path is the same on every run with the same seed. Resolves to the exit code: 0 when every step
 * and the log check passed.
 *
 * @example
 * await runDemo({ seed: 2026, logPath: '/tmp/mshv-demo-x/demo.log', io }); // 0
 */
export async function runDemo(options: {
  readonly seed: number;
  readonly logPath: string;
  readonly io: CliIo;
}): Promise<number> {
  const { io, seed, logPath } = options;
  const L = DEMO_LAYOUT;
  io.out(`mshv-control demo --seed ${seed}: a ${DEMO_VPS}-VP, 4 GiB guest on the simulated hypervisor`);
  const opened = Host.open({
    seed,
    hostMemory: [
      { kind: 'ram', userAddr: RAM_USER_ADDR, size: L.ramBytes, pageSize: 2097152 },
      { kind: 'ram', userAddr: FLASH_USER_ADDR, size: L.flashBytes, pageSize: 2097152 },
      { kind: 'mmio', userAddr: MMIO_USER_ADDR, size: L.mmioBytes, spa: MMIO_SPA },
    ],
    log: logPath,
  });
  if (!opened.ok) {
    io.err(`demo: ${opened.error.message}`);
    return 1;
  }
  const host = opened.value;
  io.out(`log: ${logPath}`);
  const progress = new DemoProgress(io, STEPS);
  try {
    await scriptedRun(host, progress);
  } catch (e) {
    if (!(e instanceof DemoFailure)) throw e;
    host.close();
    io.err(`demo: ${e.message}`);
    return 1;
  }
  progress.start('replay');
  const verdict = replayDemoLog(logPath);
  const [first = '', ...rest] = verdict.lines;
  progress.done(first, ...rest);
  const audit = host.audit();
  summary(io, host, host.stats(), verdict.ok && audit.ok);
  return verdict.ok && audit.ok ? 0 : 1;
}

async function scriptedRun(host: Host, progress: DemoProgress): Promise<void> {
  const L = DEMO_LAYOUT;

  progress.start('create partition');
  const vm = must(
    host.createPartition({ name: 'demo', flags: ['LAPIC', 'X2APIC', 'GPA_SUPER_PAGES'] }),
    'create',
  );
  must(vm.initialize(), 'initialize');
  progress.done(`'${vm.name}' (fd ${vm.fd}), flags LAPIC X2APIC GPA_SUPER_PAGES, initialized`);

  progress.start('map memory');
  const maps0 = calls(host.stats(), 'MAP_GPA_PAGES');
  must(
    vm.mapMemory({
      guestPfn: 0n,
      size: L.ramBytes,
      userAddr: RAM_USER_ADDR,
      writable: true,
      executable: true,
    }),
    'map RAM',
  );
  must(
    vm.mapMemory({ guestPfn: L.mmioGpa >> 12n, size: L.mmioBytes, userAddr: MMIO_USER_ADDR, writable: true }),
    'map MMIO',
  );
  must(
    vm.mapMemory({ guestPfn: L.flashGpa >> 12n, size: L.flashBytes, userAddr: FLASH_USER_ADDR }),
    'map flash',
  );
  progress.done(
    `4 GiB RAM at GPA 0 (2 MiB pages), 2 MiB MMIO at ${hex(L.mmioGpa)}, 2 MiB read-only flash at ${hex(L.flashGpa)}`,
    `${calls(host.stats(), 'MAP_GPA_PAGES') - maps0} MAP_GPA_PAGES calls`,
  );

  progress.start('devices');
  must(vm.installIntercept('X64_IO_PORT', { parameter: BigInt(L.serialPort) }), 'intercept port I/O');
  must(vm.installIntercept('X64_CPUID', { parameter: 0x4000_0000n }), 'intercept CPUID');
  const routes = Array.from({ length: DEMO_VPS }, (_, i) => ({
    gsi: 24 + i,
    addressLo: 0xfee0_0000 + i * 0x1000,
    data: 0x30 + i,
  }));
  must(vm.setMsiRouting(routes), 'MSI routing');
  const irqfds = routes.map((r) => must(vm.assignIrqfd({ gsi: r.gsi }), `irqfd gsi ${r.gsi}`));
  const bell = must(vm.assignIoeventfd({ addr: L.mmioGpa + 0x1000n, len: 4, datamatch: 1n }), 'ioeventfd');
  progress.done(
    `intercepts X64_IO_PORT (${hex(BigInt(L.serialPort))}) and X64_CPUID, ${routes.length} MSI routes`,
    `irqfds ${irqfds.map((f) => `gsi ${f.gsi} -> fd ${f.fd}`).join(', ')}; doorbell ${hex(bell.addr)} -> fd ${bell.fd}`,
  );

  progress.start('create VPs');
  const vps = Array.from({ length: DEMO_VPS }, (_, i) => must(vm.createVp(i), `create VP ${i}`));
  must(vm.enableDirtyTracking(), 'enable dirty tracking');
  const first = dirtyPass(vm);
  must(vm.start(), 'start');
  progress.done(
    `${vps.length} VPs ready; dirty tracking on (first pass: ${first.toLocaleString('en-US')} pages, all dirty, rule 7); started`,
  );

  progress.start('boot');
  for (const vp of vps) must(host.guest(vm, vp).exits(bootScript(vp.index)), `script VP ${vp.index}`);
  const boots = await Promise.all(vps.map((vp) => runToHalt(vp)));
  // A VMM's VP thread runs the VP again after HALT: with nothing to do, it sleeps in MSHV_RUN_VP.
  const sleeping = vps.map((vp) => vp.run());
  progress.done(
    `exits ${countKinds(boots.flatMap((b) => b.exits))}`,
    `serial ${hex(BigInt(L.serialPort))}: ${boots.map((b) => JSON.stringify(b.serial)).join(' ')}`,
    `${host.sleepingRuns} VPs halted and asleep in MSHV_RUN_VP`,
  );

  progress.start('dirty pass');
  const dirty = dirtyPass(vm);
  must(vm.markAllDirty(), 'mark all dirty');
  must(vm.disableDirtyTracking(), 'disable dirty tracking');
  progress.done(
    `${L.ramBytes / 4096n / BigInt(PASS_PAGES)} reads of ${PASS_PAGES.toLocaleString('en-US')} pages: ${dirty} dirty (${L.pagesWrittenPerVp} written by each VP)`,
    'every page marked dirty again, then tracking disabled (rule 7)',
  );

  progress.start('snapshot while running');
  const refused = vm.snapshot();
  if (refused.ok) throw new DemoFailure('a snapshot while running was accepted (rule 11 says refused)');
  progress.done(
    `refused ${refused.error.errnoName} [${refused.error.rule ?? ''}] (rule 11: refused, not queued)`,
  );

  progress.start('pause');
  const asleep = host.sleepingRuns;
  must(vm.pause(), 'pause');
  const kicked = await Promise.all(sleeping);
  const eintr = kicked.filter((r) => !r.ok && r.error.errnoName === 'EINTR').length;
  if (eintr !== vps.length)
    throw new DemoFailure(`pause kicked ${eintr} of ${vps.length} sleeping runs out with EINTR`);
  const snap = must(vm.snapshot(), 'snapshot while paused');
  must(vm.resume(), 'resume');
  progress.done(
    `kicked ${eintr} of ${asleep} VPs asleep in MSHV_RUN_VP (EINTR, rule 4); clock saved, devices quiesced, time frozen`,
    `snapshot while paused: ${snap.vps.size} VPs × ${Object.keys(snap.vps.get(0) ?? {}).length} parts`,
    'resumed: clock restored, time thawed, devices resumed, then the VPs (rule 3)',
  );

  progress.start('run after resume');
  for (const vp of vps) must(host.guest(vm, vp).exits(afterResumeScript()), `script VP ${vp.index}`);
  const after = await Promise.all(vps.map((vp) => runToHalt(vp)));
  progress.done(`exits ${countKinds(after.flatMap((a) => a.exits))}`);

  progress.start('close');
  must(host.close(), 'close');
  const audit = host.audit();
  progress.done(
    `partition '${vm.name}' ${vm.phase}: teardown in the kernel's order (inventory §c.12)`,
    `host pages: ${audit.ok ? 'conserved, nothing leaked' : `VIOLATED: ${audit.violations.join('; ')}`}`,
  );
}

/** One read-and-clear pass over guest RAM; the number of dirty pages. */
function dirtyPass(vm: Partition): number {
  let dirty = 0;
  for (let base = 0n; base < DEMO_LAYOUT.ramBytes / 4096n; base += BigInt(PASS_PAGES))
    dirty += must(vm.readDirty(PASS_PAGES, base), `read dirty pages from ${hex(base)}`).count;
  return dirty;
}

/** A VP's run loop until HALT: every exit but HALT is emulated by skipping its instruction. */
async function runToHalt(vp: Vp): Promise<{ exits: VpExit[]; serial: string }> {
  const exits: VpExit[] = [];
  let serial = '';
  for (;;) {
    const exit = must(await vp.run(), `run VP ${vp.index}`);
    exits.push(exit);
    if (exit.kind === 'HALT') return { exits, serial };
    if (exit.kind === 'IO_PORT' && exit.write) serial += String.fromCharCode(Number(exit.value));
    must(vp.skipInstruction(exit), `skip the instruction of VP ${vp.index}`);
  }
}

function countKinds(exits: readonly VpExit[]): string {
  const counts = new Map<string, number>();
  for (const e of exits) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} ${n}`).join(', ');
}

function calls(stats: HostStats, name: string): number {
  return stats.byName.find(([n]) => n === name)?.[1] ?? 0;
}

function summary(io: CliIo, host: Host, stats: HostStats, ok: boolean): void {
  io.out('summary');
  for (const line of host.describe()) io.out(`  ${line}`);
  io.out(`  hypercalls: ${stats.hypercalls}`);
  for (const [name, n] of stats.byName) io.out(`    ${name} ${n}`);
  io.out(`  interrupt windows: ${stats.windows.count}, largest ${stats.windows.largestReps} reps`);
  io.out(`  deposits: ${stats.deposits.calls} DEPOSIT_MEMORY calls, ${stats.deposits.pages} pages`);
  io.out(`  verdict: ${ok ? 'ok' : 'FAILED'}`);
}
