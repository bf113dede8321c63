/**
 * The parts of a VP's state in cloud-hypervisor's restore order (vmm-lifecycle-rules 8): MSRs →
 * VP events → registers → special registers → FPU → XCRs → misc registers (VP 0 only) → debug
 * registers → LAPIC, XSAVE, SIMP, SIEFP, synthetic timers. The rule gives no order among the last
 * five, so they share one rank.
 */
export const VP_STATE_PARTS = [
  'MSRS',
  'VP_EVENTS',
  'REGISTERS',
  'SPECIAL_REGISTERS',
  'FPU',
  'XCRS',
  'MISC_REGISTERS',
  'DEBUG_REGISTERS',
  'LAPIC',
  'XSAVE',
  'SIMP',
  'SIEFP',
  'SYNTHETIC_TIMERS',
] as const;

/** One part of a VP's state. */
export type VpStatePart = (typeof VP_STATE_PARTS)[number];

/** The parts MSHV_GET/SET_VP_STATE carries (inventory §c.7); the others are register writes. */
const STATE_PAGE_PARTS: ReadonlySet<VpStatePart> = new Set([
  'LAPIC',
  'XSAVE',
  'SIMP',
  'SIEFP',
  'SYNTHETIC_TIMERS',
]);

/**
 * A part's rank in the restore order (rule 8): a restore may repeat a rank or move forward, never back.
 *
 * @example
 * restoreRank('REGISTERS'); // 2
 * restoreRank('XSAVE') === restoreRank('LAPIC'); // true
 */
export function restoreRank(part: VpStatePart): number {
  return Math.min(VP_STATE_PARTS.indexOf(part), VP_STATE_PARTS.indexOf('LAPIC'));
}

/**
 * Whether a part goes through MSHV_GET/SET_VP_STATE (§c.7) rather than GET/SET_VP_REGISTERS.
 *
 * @example
 * isStatePagePart('XSAVE'); // true
 */
export function isStatePagePart(part: VpStatePart): boolean {
  return STATE_PAGE_PARTS.has(part);
}
