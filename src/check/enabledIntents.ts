import { partitionId } from '../hv/ids.js';
import type { JsonValue } from '../log/JsonValue.js';
import { createArgsJson, guestExitsJson } from '../runtime/ControlPlane.js';
import type { CheckModel, IntentTemplate } from './CheckModel.js';
import type { CheckWorld } from './CheckWorld.js';
import type { Step } from './Step.js';

/**
 * The partition key of the n-th partition a path creates.
 *
 * @example
 * partitionKey(0); // 'vm0'
 */
export function partitionKey(n: number): string {
  return `vm${n}`;
}

const VP = '$vp';

/** A request with every `"$vp"` replaced by `vp`. */
function withVp(request: Readonly<Record<string, JsonValue>>, vp: number): Record<string, JsonValue> {
  const fill = (v: JsonValue): JsonValue => {
    if (v === VP) return vp;
    if (Array.isArray(v)) return (v as readonly JsonValue[]).map(fill);
    if (typeof v === 'object' && v !== null)
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]));
    return v;
  };
  return fill(request) as Record<string, JsonValue>;
}

function hasVp(v: JsonValue): boolean {
  if (v === VP) return true;
  if (Array.isArray(v)) return (v as readonly JsonValue[]).some(hasVp);
  if (typeof v === 'object' && v !== null) return Object.values(v).some(hasVp);
  return false;
}

const vpRequests = new WeakMap<object, boolean>();

/** Whether a template's request mentions `"$vp"` (remembered per request object). */
function mentionsVp(request: Readonly<Record<string, JsonValue>>): boolean {
  let v = vpRequests.get(request);
  if (v === undefined) {
    v = hasVp(request);
    vpRequests.set(request, v);
  }
  return v;
}

const intent = (name: string, args: JsonValue): Step => ({ kind: 'intent', name, args });

/**
 * Whether the VMM has a partition open that a crash would release.
 *
 * @example
 * crashApplies(model, world); // false before the first partition is created
 */
export function crashApplies(model: CheckModel, world: CheckWorld): boolean {
  if (!model.crash || world.crashed) return false;
  return world.keys().some((k) => {
    const phase = world.plane.partitionSnapshot(k)?.context.phase;
    return phase !== undefined && phase !== 'closed';
  });
}

/**
 * The intents the explorer tries from the world's current state, in a fixed order (which makes every
 * strategy deterministic): creating the next partition, then each open partition's requests and each
 * of its VPs' requests, guest exits and signals, in alphabet order; with a `signalIrqfd` template,
 * a write of 1 to each of the partition's irqfd eventfds after its requests; last, while a partition is
 * open, each host migration of the alphabet. What the bounds rule out is not
 * offered: MAP_MEMORY with the partition's regions at the bound, guest exits for a VP whose script is
 * not empty, a second pending signal. Requests the machines refuse are offered: refusals are part of
 * what is checked, and cost no rebuild. Faults and the crash are not intents: the explorer pairs each
 * fault with the intents that issue its call, and tries the crash after every new state.
 *
 * @example
 * enabledIntents(model, world).map(describeStep);
 */
export function enabledIntents(model: CheckModel, world: CheckWorld): Step[] {
  const out: Step[] = [];
  if (world.crashed) return out;
  const keys = world.keys();
  const open = keys.filter((k) => {
    const phase = world.plane.partitionSnapshot(k)?.context.phase;
    return phase !== undefined && phase !== 'closed';
  });
  const creates = model.intents.filter(
    (t): t is Extract<IntentTemplate, { intent: 'createPartition' }> => t.intent === 'createPartition',
  );
  // The bound counts every partition the path created: closed ones are forgotten by the plane.
  const created = world.createdKeys().length;
  if (created < model.bounds.partitions)
    for (const t of creates)
      out.push(
        intent('createPartition', {
          key: partitionKey(created),
          args: createArgsJson({ ptFlags: t.flags, ptIsolation: t.isolation }),
        }),
      );
  for (const key of open) {
    const ctx = world.plane.partitionSnapshot(key)?.context;
    const id = world.partitionId(key);
    const hp = world.hvPartition(id);
    for (const t of model.intents) {
      if (t.intent !== 'partition') continue;
      if (t.request.type === 'MAP_MEMORY' && (ctx?.regions.length ?? 0) >= model.bounds.regions) continue;
      if (mentionsVp(t.request))
        for (let vp = 0; vp < model.bounds.vps; vp++)
          out.push(intent('partition', { key, request: withVp(t.request, vp) }));
      else out.push(intent('partition', { key, request: t.request }));
    }
    // A device model writes each irqfd's eventfd (the driver injects its route's interrupt).
    if (model.intents.some((t) => t.intent === 'signalIrqfd'))
      for (const irqfd of world.kernelPartition(key)?.irqfds ?? [])
        out.push(intent('writeEventfd', { fd: irqfd.eventfd, value: '0x1' }));
    for (const vp of world.plane.vpIndexes(key)) {
      const hv = hp?.vps.get(vp);
      for (const t of model.intents) {
        switch (t.intent) {
          case 'vp':
            out.push(intent('vp', { key, vp, request: withVp(t.request, vp) }));
            break;
          case 'guest':
            if (hv?.script.length === 0)
              out.push(intent('guest', { key, vp, exits: guestExitsJson(t.exits) }));
            break;
          case 'signal':
            if (id !== undefined && hv !== undefined && !world.sim.shared.signalPending(vp, partitionId(id)))
              out.push(intent('signal', { key, vp }));
            break;
          default:
            break;
        }
      }
    }
  }
  // The host's mm moves pages whenever it likes; only while a partition is open is it worth a branch.
  if (open.length > 0)
    for (const t of model.intents)
      if (t.intent === 'migrateUserPages')
        out.push(
          intent('migrateUserPages', {
            userAddr: `0x${t.userAddr.toString(16)}`,
            size: `0x${t.size.toString(16)}`,
            ...(t.during === undefined ? {} : { during: t.during }),
          }),
        );
  return out;
}
