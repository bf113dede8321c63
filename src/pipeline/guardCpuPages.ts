import type { CpuPages } from './CpuPages.js';
import type { WindowTracker } from './WindowTracker.js';

/**
 * The per-CPU pages as the driver's call path sees them: every time the path takes one, `windows`
 * notes whether an interrupt window is open (the page is the CPU's only with interrupts off), so a
 * path that fills the input or copies the output after local_irq_restore is seen (review point 7).
 * Nothing else changes: the pages are the machine's own.
 *
 * @example
 * const pages = guardCpuPages(machine.cpuPages(0), windows);
 * pages.output; // outside a window: windows.takeStrayUse() names it
 */
export function guardCpuPages(pages: CpuPages, windows: WindowTracker): CpuPages {
  return {
    get input() {
      windows.noteUse('input');
      return pages.input;
    },
    get output() {
      windows.noteUse('output');
      return pages.output;
    },
  };
}
