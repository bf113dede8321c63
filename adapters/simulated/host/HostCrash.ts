/**
 * The simulated host caught the root kernel doing something that corrupts or crashes a real host: a
 * broken invariant (design principle 4), so it throws instead of answering. `kind` names the class
 * of bug for checkers:
 * - `double-free`: freeing a page that is not an allocated kernel page;
 * - `free-in-use`: freeing a kernel page a guest still maps or the hypervisor still shares;
 * - `bad-unpin`: unpinning a page that is not pinned user memory;
 * - `touch-exclusive`: touching or unpinning a page exclusive to an SNP guest (a real host takes a
 *   fatal RMP fault; vmm-lifecycle-rules "Resource-leak history");
 * - `touch-foreign`: reading a page the host does not own (deposited, free, not RAM).
 *
 * @example
 * throw new HostCrash('double-free', 'pfn 0x1234 is free');
 */
export class HostCrash extends Error {
  constructor(
    readonly kind: 'double-free' | 'free-in-use' | 'bad-unpin' | 'touch-exclusive' | 'touch-foreign',
    detail: string,
  ) {
    super(`host ${kind}: ${detail}`);
    this.name = 'HostCrash';
  }
}
