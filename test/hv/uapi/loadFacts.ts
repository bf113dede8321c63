import { readFileSync } from 'node:fs';

/** The parts of test/fixtures/mshv-facts.json the uapi, flags and decode tests read. */
export interface FactsIoctl {
  readonly name: string;
  readonly driver: 'mshv_root' | 'mshv_vtl';
  readonly fd: string;
  readonly macro: '_IO' | '_IOW' | '_IOR' | '_IOWR';
  readonly dir: number;
  readonly type: number;
  readonly nr: number;
  readonly arg: string | null;
  readonly size: number;
  readonly request: number;
  readonly request_hex: string;
}

export interface FactsStructField {
  readonly name: string;
  readonly type: string;
  readonly offset: number;
  readonly size: number;
}

export interface FactsStruct {
  readonly size: number;
  readonly packed?: boolean;
  readonly driver?: string;
  readonly fields: readonly FactsStructField[];
}

export interface Facts {
  readonly ioctl_encoding: {
    readonly dir: Readonly<Record<string, number>>;
    readonly type: number;
  };
  readonly ioctls: readonly FactsIoctl[];
  readonly ioctl_overlaps: {
    readonly identical_request: readonly (readonly [string, string, string])[];
    readonly shared_by_design: readonly (readonly [string, string, string])[];
    readonly same_nr_different_request: Readonly<Record<string, readonly string[]>>;
    readonly marvell_cn10k_dpi: Readonly<
      Record<string, { readonly nr: number; readonly size: number; readonly request_hex: string }>
    > & { readonly collides_with_mshv_request: boolean };
  };
  readonly structs: Readonly<Record<string, FactsStruct>>;
  readonly flags_enums: Readonly<Record<string, unknown>>;
  readonly passthrough_allowlist: Readonly<Record<'ORIG' | 'NEW' | 'NEW_self_devmshv' | 'async', number[]>>;
  readonly limits: Readonly<Record<string, unknown>>;
}

/** Read the committed copy of the reference facts. */
export function loadFacts(): Facts {
  return JSON.parse(
    readFileSync(new URL('../../fixtures/mshv-facts.json', import.meta.url), 'utf8'),
  ) as Facts;
}

/** `pt_num_cpu_fbanks` → `ptNumCpuFbanks`: the layouts use camelCase for the C member names. */
export function camel(cName: string): string {
  return cName.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Parse a facts hex string such as "0x4008B825". */
export function hex(text: string): number {
  return Number.parseInt(text, 16);
}
