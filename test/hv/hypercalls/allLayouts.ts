import type { StructLayout } from '../../../src/hv/Layout.js';
import {
  HYPERCALL_DEFS,
  HvConnectionInfo,
  HvPortInfo,
  HvRegisterAssoc,
  HvStatsObjectIdentity,
  HvVpStateData,
} from '../../../src/hv/hypercalls/index.js';

/** Every layout the hypercall defs use (headers, outputs, list elements) plus the nested structs, once each. */
export function allLayouts(): StructLayout[] {
  const found = new Set<StructLayout>([
    HvConnectionInfo,
    HvPortInfo,
    HvRegisterAssoc,
    HvStatsObjectIdentity,
    HvVpStateData,
  ]);
  for (const d of HYPERCALL_DEFS) {
    for (const l of [
      d.input,
      d.output,
      d.inputElement?.layout,
      d.outputElement?.layout,
      d.varHeadElement?.layout,
    ]) {
      if (l !== undefined) found.add(l);
    }
  }
  return [...found];
}
