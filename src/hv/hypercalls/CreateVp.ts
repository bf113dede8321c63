import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, u32, u64, u8 } from '../Layout.js';

/**
 * hv_create_vp (40 bytes). `padding` [12, 15) is an unnamed gap. subnode_type 0 = ANY; the driver
 * passes flags 0 for child VPs.
 */
export const CreateVpInput = new Layout('hv_create_vp', 40, [
  u64('partitionId', 0),
  u32('vpIndex', 8),
  u8('subnodeType', 15),
  u64('subnodeId', 16),
  u64('proximityDomainInfo', 24),
  u64('flags', 32),
] as const);

/**
 * CREATE_VP upfront deposit: 90 pages (empirical, hv_proc.c), made only when the target is not the
 * root partition; then 1 page per INSUFFICIENT_MEMORY retry (inventory §b.3).
 */
export const CREATE_VP_DEPOSIT_PAGES = 90;

/** HVCALL_CREATE_VP (0x004E, simple): first step of MSHV_CREATE_VP (inventory §c.5). */
export const CreateVp = {
  name: 'CREATE_VP',
  code: HypercallCode.CREATE_VP,
  kind: 'simple',
  input: CreateVpInput,
  doc: 'Create a virtual processor (MSHV_CREATE_VP).',
} as const satisfies HypercallDef;
