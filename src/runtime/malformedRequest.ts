/**
 * Whether a partition request carries a field of the wrong type that its event declares and the
 * machine reads as a flag: `assign` of IRQFD and IOEVENTFD, `pio` of IOEVENTFD, each a boolean. A
 * caller that bypasses the types (an embedder in JavaScript, a hand-written intent) must not have a
 * missing `assign` read one way by the machine (a deassign: it counted one irqfd less) and the other
 * way by the operation (an assign: the runtime made an eventfd and the driver bound it), which left
 * the machine believing in fewer irqfds than the driver held. Refused EINVAL (`knownRequest`) before
 * anything is stepped or issued.
 *
 * @example
 * malformedRequest({ type: 'IRQFD', detail: { gsi: 5 } }); // true: assign missing
 * malformedRequest({ type: 'IRQFD', assign: true, detail: { gsi: 5 } }); // false
 */
export function malformedRequest(request: { readonly type: string }): boolean {
  const fields = request as Readonly<Record<string, unknown>>;
  switch (request.type) {
    case 'IRQFD':
      return typeof fields.assign !== 'boolean';
    case 'IOEVENTFD':
      return typeof fields.assign !== 'boolean' || typeof fields.pio !== 'boolean';
    default:
      return false;
  }
}
