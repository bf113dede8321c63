import { Host, type HostOptions, type Partition, type Result, type Vp } from '../../src/api/index.js';

export const RAM_USER_ADDR = 0x7f00_0000_0000n;
export const GiB = 1n << 30n;

/** The value of a Result, or a thrown Error with the HostError's message. */
export function must<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** A host over 1 GiB of 2 MiB-page RAM (seed 7 unless told). */
export function testHost(options: HostOptions = {}): Host {
  return must(
    Host.open({
      seed: 7,
      hostMemory: [{ kind: 'ram', userAddr: RAM_USER_ADDR, size: GiB, pageSize: 2097152 }],
      ...options,
    }),
  );
}

/** A started partition with `vps` VPs and 1 GiB of RAM at GPA 0. */
export function running(host: Host, vps = 2, name?: string): { partition: Partition; vps: Vp[] } {
  const partition = must(
    host.createPartition({
      ...(name === undefined ? {} : { name }),
      flags: ['LAPIC', 'X2APIC', 'GPA_SUPER_PAGES'],
    }),
  );
  must(partition.initialize());
  must(
    partition.mapMemory({
      guestPfn: 0n,
      size: GiB,
      userAddr: RAM_USER_ADDR,
      writable: true,
      executable: true,
    }),
  );
  const created = Array.from({ length: vps }, (_, i) => must(partition.createVp(i)));
  must(partition.start());
  return { partition, vps: created };
}
