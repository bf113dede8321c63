import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Host, type Irqfd, type Partition, type Vp } from '../../src/api/index.js';
import { replayLog } from '../../src/replay/replayLog.js';
import { useTempDir } from '../log/tempDir.js';
import { must, RAM_USER_ADDR } from './hostRig.js';

const MiB = 1n << 20n;
const PARTS = ['REGISTERS', 'LAPIC', 'XSAVE', 'SYNTHETIC_TIMERS', 'MSRS'] as const;
const EXITS = [
  [{ exit: 'HALT' as const }],
  [{ exit: 'IO_PORT' as const, port: 0x3f8, write: true, size: 1 as const, value: 65 }],
  [{ exit: 'MMIO' as const, gpa: 0xfed0_0000n, write: false, size: 4 as const, value: 0n }],
];

/** One call of a random session: which, and a number its arguments are drawn from. */
interface Call {
  readonly op: number;
  readonly n: number;
}

const session = fc.record({
  root: fc.boolean(),
  smallPages: fc.boolean(),
  mapVpRegisterPages: fc.boolean(),
  movable: fc.boolean(),
  calls: fc.array(fc.record({ op: fc.nat(23), n: fc.nat(1 << 16) }), { maxLength: 40 }),
});

/**
 * Random Host API sessions (any order of the calls a VMM makes, most of them refused by the
 * machines at some point): nothing throws, closing the host leaves the hypervisor with every page
 * accounted, and the log replays identically. With and without the VMM mapping register pages, with
 * pinned and movable RAM regions, guest writes to RAM and host migrations of it.
 */
describe('random Host API sessions', () => {
  const tempDir = useTempDir();

  it('never throw, close clean, and replay identically', async () => {
    let sessions = 0;
    await fc.assert(
      fc.asyncProperty(session, async (s) => {
        const path = `${tempDir()}/s${sessions++}.log`;
        const host = must(
          Host.open({
            seed: sessions,
            log: path,
            durability: 'normal',
            scheduler: s.root ? 'root' : 'core-smt',
            mapVpRegisterPages: s.mapVpRegisterPages,
            ramRegions: s.movable ? 'movable' : 'pinned',
            hostMemory: [
              {
                kind: 'ram',
                userAddr: RAM_USER_ADDR,
                size: 64n * MiB,
                pageSize: s.smallPages ? 4096 : 2097152,
              },
            ],
          }),
        );
        const pts: Partition[] = [];
        const vps: Vp[] = [];
        const irqs: [Partition, Irqfd][] = [];
        const runs: Promise<unknown>[] = [];
        const first = must(host.createPartition({ flags: ['LAPIC', 'X2APIC', 'GPA_SUPER_PAGES'] }));
        pts.push(first);
        must(first.initialize());
        must(first.mapMemory({ guestPfn: 0n, size: 2n * MiB, userAddr: RAM_USER_ADDR, writable: true }));
        for (const i of [0, 1]) vps.push(must(first.createVp(i)));
        must(first.start());
        for (const c of s.calls as readonly Call[]) {
          const pt = pts[c.n % pts.length];
          const vp = vps[c.n % vps.length];
          const irq = irqs[c.n % Math.max(1, irqs.length)];
          if (pt === undefined || vp === undefined) continue;
          switch (c.op) {
            case 0: {
              const p = host.createPartition({ flags: ['LAPIC'] });
              if (p.ok) pts.push(p.value);
              break;
            }
            case 1:
              pt.initialize();
              break;
            case 2:
              pt.mapMemory({
                guestPfn: BigInt(c.n % 4) << 9n,
                size: 2n * MiB,
                userAddr: RAM_USER_ADDR + (BigInt(c.n % 8) << 21n),
              });
              break;
            case 3: {
              const v = pt.createVp(c.n % 3);
              if (v.ok) vps.push(v.value);
              break;
            }
            case 4:
              pt.start();
              break;
            case 5:
              runs.push(vp.run());
              break;
            case 6:
              pt.pause();
              break;
            case 7:
              pt.resume();
              break;
            case 8:
              pt.close();
              break;
            case 9:
              pt.enableDirtyTracking();
              break;
            case 10:
              pt.readDirty((c.n % 1024) + 1, 0n);
              break;
            case 11:
              pt.markAllDirty();
              break;
            case 12:
              pt.disableDirtyTracking();
              break;
            case 13: {
              const i = pt.assignIrqfd({ gsi: c.n % 32 });
              if (i.ok) irqs.push([pt, i.value]);
              break;
            }
            case 14:
              if (irq !== undefined) irq[0].signalIrqfd(irq[1]);
              break;
            case 15:
              if (irq !== undefined) irq[0].deassignIrqfd(irq[1]);
              break;
            case 16:
              pt.setMsiRouting([{ gsi: c.n % 32, addressLo: 0xfee0_0000, data: 0x30 + (c.n % 16) }]);
              break;
            case 17:
              vp.getState(PARTS[c.n % PARTS.length] ?? 'REGISTERS');
              break;
            case 18: {
              const r = vp.getState('REGISTERS');
              if (r.ok) vp.setState('REGISTERS', r.value);
              break;
            }
            case 19:
              host.guest(vp.partition, vp.index).exits(EXITS[c.n % EXITS.length] ?? []);
              break;
            case 20:
              host.guest(vp.partition, vp.index).signal();
              break;
            case 21:
              if (c.n % 2 === 0) pt.freezeTime();
              else pt.thawTime();
              break;
            case 22:
              // The host's mm moves some of the RAM: movable regions' notifiers remap it no-access;
              // one time in four it is armed to race the next fault-in over it instead.
              host.migrateUserPages(
                RAM_USER_ADDR + (BigInt(c.n % 32) << 21n),
                BigInt((c.n % 3) + 1) << 20n,
                c.n % 4 === 0 ? { during: 'nextFaultIn' } : {},
              );
              break;
            default:
              // A guest write to RAM: completes in the guest, or faults a movable chunk in first.
              host
                .guest(vp.partition, vp.index)
                .exits([
                  { exit: 'MMIO', gpa: BigInt(c.n % 2048) << 12n, write: true, size: 8, value: BigInt(c.n) },
                  { exit: 'HALT' },
                ]);
          }
        }
        must(host.close());
        await Promise.all(runs);
        expect(host.audit()).toEqual({ ok: true, violations: [], leakedPages: 0 });
        expect(replayLog(path)).toMatchObject({ status: 'identical', complete: true });
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
