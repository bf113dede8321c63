import { describe, expect, it } from 'vitest';
import { FOREIGN_IOCTLS, lookupForeignIoctl } from '../../../src/hv/uapi/ForeignIoctl.js';
import { IOC_DIR, ioc, MSHV_IOCTL } from '../../../src/hv/uapi/ioctl.js';
import { lookupIoctl, MSHV_IOCTLS, MSHV_REQUEST } from '../../../src/hv/uapi/MshvIoctl.js';
import type { IoctlFd } from '../../../src/hv/uapi/MshvIoctl.js';
import { hex, loadFacts } from './loadFacts.js';

const facts = loadFacts();

/** Facts write fd kinds as prose; "partition|vp|/dev/mshv(NEW, self-targeted)" lists three. */
const FD_OF_FACTS: Readonly<Record<string, IoctlFd>> = {
  '/dev/mshv': 'dev-mshv',
  partition: 'partition',
  vp: 'vp',
  'mshv_vtl device': 'vtl-device',
  'vtl fd': 'vtl',
  mshv_hvcall: 'mshv-hvcall',
  mshv_sint: 'mshv-sint',
};
const factsFds = (fd: string): IoctlFd[] =>
  fd.split('|').map((s) => {
    const k = FD_OF_FACTS[s.replace(/\(.*\)$/, '').trim()];
    if (k === undefined) throw new Error(`facts fd '${s}' has no IoctlFd`);
    return k;
  });

describe('mshv ioctl table (inventory §a.1, §a.2, facts ioctls)', () => {
  it('names exactly the 25 ioctls of the facts', () => {
    const names = new Set(MSHV_IOCTLS.map((d) => d.name));
    expect(facts.ioctls).toHaveLength(25);
    expect([...names].sort()).toEqual(facts.ioctls.map((i) => i.name).sort());
  });

  for (const f of facts.ioctls) {
    it(`${f.name}: ${f.request_hex} on ${f.fd}`, () => {
      const defs = MSHV_IOCTLS.filter((d) => d.name === f.name);
      expect(defs.map((d) => d.fd)).toEqual(factsFds(f.fd));
      for (const d of defs) {
        expect(d).toMatchObject({ driver: f.driver, macro: f.macro, type: f.type, nr: f.nr });
        expect(IOC_DIR[d.macro]).toBe(f.dir);
        expect(d.arg?.size ?? 0).toBe(f.size);
        expect(d.arg?.name.replace(/^struct /, '') ?? null).toBe(f.arg);
        expect(d.request).toBe(f.request);
        expect(d.request).toBe(hex(f.request_hex));
        expect(lookupIoctl(f.request)).toContain(d);
      }
      expect(MSHV_REQUEST[f.name as keyof typeof MSHV_REQUEST]).toBe(f.request);
    });
  }

  it('computes each request from the argument layout size, not a typed-in number', () => {
    for (const d of MSHV_IOCTLS) {
      if (d.arg?.layout !== undefined) expect(d.arg.size).toBe(d.arg.layout.size);
      expect(d.request).toBe(ioc(IOC_DIR[d.macro], MSHV_IOCTL, d.nr, d.arg?.size ?? 0));
    }
  });

  it('marks self-targeted MSHV_ROOT_HVCALL on /dev/mshv as NEW only (inventory §a.1 note)', () => {
    const onDev = MSHV_IOCTLS.filter((d) => d.name === 'MSHV_ROOT_HVCALL' && d.fd === 'dev-mshv');
    expect(onDev).toHaveLength(1);
    expect(onDev[0]?.since).toBe('NEW');
  });

  it('returns nothing for a number no mshv ioctl has', () => {
    expect(lookupIoctl(0x4008b801)).toEqual([]);
    expect(lookupIoctl(0xc0045400)).toEqual([]);
  });
});

describe('0xB8 overlaps (inventory §a.3, facts ioctl_overlaps)', () => {
  const o = facts.ioctl_overlaps;

  it('finds both ioctls of the identical request pair', () => {
    for (const [a, b, req] of o.identical_request) {
      expect(lookupIoctl(hex(req)).map((d) => d.name)).toEqual([a, b]);
    }
  });

  it('finds MSHV_ROOT_HVCALL on all three fd kinds from one number', () => {
    for (const [name, , req] of o.shared_by_design) {
      const hits = lookupIoctl(hex(req));
      expect(new Set(hits.map((d) => d.name))).toEqual(new Set([name]));
      expect(hits.map((d) => d.fd).sort()).toEqual(['dev-mshv', 'partition', 'vp']);
    }
  });

  it('has no other request shared by two names', () => {
    const names = new Map<number, Set<string>>();
    for (const d of MSHV_IOCTLS) names.set(d.request, (names.get(d.request) ?? new Set()).add(d.name));
    const shared = [...names.entries()].filter(([, s]) => s.size > 1).map(([r]) => r);
    expect(shared).toEqual(o.identical_request.map(([, , r]) => hex(r)));
  });

  it('lists the same-nr requests of the facts', () => {
    for (const [nrHex, reqs] of Object.entries(o.same_nr_different_request)) {
      const nr = hex(nrHex);
      const ours = MSHV_IOCTLS.filter((d) => d.nr === nr && d.name !== 'MSHV_ROOT_HVCALL').map(
        (d) => d.request,
      );
      expect(ours.sort()).toEqual(reqs.map(hex).sort());
    }
  });

  it('keeps the Marvell CN10K DPI ioctls apart: facts numbers, no mshv collision (seed review point 12)', () => {
    const { collides_with_mshv_request: collides, ...dpi } = o.marvell_cn10k_dpi;
    expect(collides).toBe(false);
    expect(FOREIGN_IOCTLS.map((f) => f.name).sort()).toEqual(Object.keys(dpi).sort());
    for (const [name, v] of Object.entries(dpi)) {
      const f = lookupForeignIoctl(hex(v.request_hex));
      expect(f).toMatchObject({ name, type: 0xb8, nr: v.nr, arg: { size: v.size } });
      expect(f?.request).toBe(ioc(IOC_DIR._IOW, 0xb8, v.nr, v.size));
      expect(lookupIoctl(hex(v.request_hex))).toEqual([]);
    }
  });
});
