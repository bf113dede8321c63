/**
 * Issue 3, "read-only introspection for checkers … and an audit() that proves conservation": the views
 * are snapshots a checker cannot change the model through, and audit() finds each kind of broken
 * conservation when one is planted in the model (so its silence means something).
 */
import { describe, expect, it } from 'vitest';
import { KERNEL } from '../../adapters/simulated/host/HostRam.js';
import { Caller, USER_4K, smallMachine } from './harness.js';

/** A machine with a ready partition, a VP and 8 mapped pages. */
function world(): { c: Caller; id: bigint } {
  const c = new Caller(smallMachine());
  const id = c.readyPartition();
  c.createVp(id, 0);
  const r = c.machine.host.pinUserRange(USER_4K, 8);
  if (r.kind !== 'ram') throw new Error('pin failed');
  c.mapRuns(id, 0, r.runs);
  expect(c.machine.audit().violations).toEqual([]);
  return { c, id };
}

describe('introspection views are snapshots', () => {
  it('changing what partitions(), gpaExtents(), hostExtents() and ownership() returned changes nothing', () => {
    const { c, id } = world();
    const m = c.machine;
    const before = JSON.stringify(
      {
        p: m.partitions(),
        g: [...m.gpaExtents(id)],
        h: [...m.hostExtents()].slice(0, 50),
        o: m.ownership(),
      },
      (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v),
    );
    const views = [m.partitions(), [...m.gpaExtents(id)], [...m.hostExtents()], [m.ownership()]];
    // Scribble over every field, one level into nested objects too (a GPA extent's mapping, a pool).
    const scribble = (x: Record<string, unknown>, depth: number): void => {
      for (const k of Object.keys(x)) {
        const v = x[k];
        if (depth > 0 && v !== null && typeof v === 'object')
          scribble(v as Record<string, unknown>, depth - 1);
        else x[k] = -1;
      }
    };
    for (const list of views) for (const x of list as Record<string, unknown>[]) scribble(x, 1);
    const after = JSON.stringify(
      {
        p: m.partitions(),
        g: [...m.gpaExtents(id)],
        h: [...m.hostExtents()].slice(0, 50),
        o: m.ownership(),
      },
      (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v),
    );
    expect(after).toBe(before);
    expect(m.audit().violations).toEqual([]);
  });
});

describe('audit() finds planted conservation bugs', () => {
  it('a pool page used with no structure holding it', () => {
    const { c, id } = world();
    c.machine.model.resolve(id)?.pool.consume(1);
    expect(c.machine.audit().violations.join('\n')).toMatch(/structures hold \d+ pages, pool used/);
  });

  it('a host page given a second owner behind the counters', () => {
    const { c } = world();
    const free = [...c.machine.hostExtents()].find((e) => e.kind === 'free');
    c.machine.host.ram.owners.set(free?.start ?? 0, (free?.start ?? 0) + 1, KERNEL);
    expect(c.machine.audit().violations.join('\n')).toMatch(
      /owner (free|kernel): \d+ pages in extents, counter says/,
    );
  });

  it('a guest mapping the host map does not count', () => {
    const { c, id } = world();
    const gpa = c.machine.model.resolve(id)?.gpa;
    const first = [...c.machine.gpaExtents(id)][0];
    gpa?.extents.set(0x9000, 0x9001, {
      ...(first?.value ?? { pfn: 0, flags: 3, large: false, backing: 'ram' }),
    });
    expect(c.machine.audit().violations.join('\n')).toMatch(
      /guest maps reference \d+ RAM pages, host map counts/,
    );
  });

  it('page tables that do not match the map', () => {
    const { c, id } = world();
    const p = c.machine.model.resolve(id);
    if (p !== undefined) p.gpa.slatPages += 1;
    expect(c.machine.audit().violations.join('\n')).toMatch(/page tables \d+, map needs \d+/);
  });
});
