/**
 * The driver model's hypercalls for one scenario that exercises every driver path the facts describe
 * by behaviour (deposits, VP creation order, teardown order): a partition with RAM, a VP, a doorbell,
 * VP state, a run under the root scheduler, then the release of the partition fd. Optionally the first
 * call of one hypercall answers a planned status, to see what the driver does about it.
 */
import { runScenario } from '../../src/runner/runScenario.js';
import { SimWorld } from '../../src/runner/SimWorld.js';
import { type TraceRecord, TraceRecorder } from '../../src/runner/TraceRecorder.js';
import { parseScenarioText } from '../../src/scenario/loadScenario.js';

/**
 * One hypercall of the trace, with the ioctl it served (`MSHV_RELEASE` for the teardown that closing
 * the partition fd runs) and the partition id its input starts with.
 */
export interface TracedCall {
  readonly index: number;
  readonly ioctl: string;
  readonly name: string;
  readonly repCount: number;
  readonly status: number;
  readonly repsCompleted: number;
  /** The first u64 of the input (the target partition of most calls); undefined for shorter inputs. */
  readonly firstU64: bigint | undefined;
  /** Bytes 12–13 of the input: MAP/UNMAP_VP_STATE_PAGE's `type` (u16 @12). */
  readonly u16At12: number | undefined;
}

export interface DriverTrace {
  readonly calls: readonly TracedCall[];
  /** Every ioctl with its return value (a number, or -ERRNO), in order. */
  readonly ioctls: readonly { readonly name: string; readonly result: string }[];
  readonly rootId: bigint;
  readonly childId: bigint;
  /** The world after the run (the partition fd was released by the last step). */
  readonly world: SimWorld;
}

const STEPS = `[
  { "op": "createPartition", "partition": "vm0", "flags": ["LAPIC", "X2APIC"] },
  { "op": "initializePartition", "partition": "vm0" },
  { "op": "setGuestMemory", "partition": "vm0", "guestPfn": "0x0", "size": "2MiB",
    "userAddr": "0x7f0000000000", "flags": ["WRITABLE", "EXECUTABLE"] },
  { "op": "createVp", "partition": "vm0", "vpIndex": 0 },
  { "op": "ioeventfd", "partition": "vm0", "addr": "0xfe001000", "len": 4, "fd": 20 },
  { "op": "getVpState", "partition": "vm0", "vpIndex": 0, "type": "XSAVE", "bufSize": "16KiB" },
  { "op": "setVpState", "partition": "vm0", "vpIndex": 0, "type": "LAPIC", "bufSize": "4K" },
  { "op": "runVp", "partition": "vm0", "vpIndex": 0,
    "guest": [{ "exit": "IO_PORT", "port": "0x3f8", "write": true, "size": 1, "value": 72 }] }
]`;

function le64(hex: string): bigint | undefined {
  if (hex.length < 16) return undefined;
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16));
  return v;
}

const cache = new Map<string, DriverTrace>();

/**
 * Run the scenario (root scheduler, seed 5); with `fault`, the first call of that hypercall answers
 * `status` instead of running. Results are cached per fault.
 *
 * @example
 * driverTrace('CREATE_VP').calls.filter((c) => c.name === 'DEPOSIT_MEMORY');
 */
export function driverTrace(fault?: string, status = 'INSUFFICIENT_MEMORY'): DriverTrace {
  const key = `${fault ?? ''}:${status}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const faults = fault === undefined ? [] : [{ call: fault, nth: 1, status }];
  const scenario = parseScenarioText(
    JSON.stringify({
      format: 1,
      name: 'facts-driver-trace',
      seed: 5,
      hypervisor: { scheduler: 'root', faults },
      hostMemory: [{ userAddr: '0x7f0000000000', size: '2MiB', pageSize: '4K' }],
      steps: JSON.parse(STEPS) as unknown,
    }),
  );
  const trace = new TraceRecorder();
  const world = new SimWorld(scenario, trace);
  runScenario(scenario, world, trace);
  // Release the partition fd (the scenario's closePartition), marking where the teardown begins.
  const before = [...trace.lines()].length;
  const pt = world.device.partitions()[0];
  if (pt === undefined) throw new Error('the trace scenario left no partition open');
  const childId = BigInt(pt.id);
  for (const vp of pt.vps.values()) world.device.close(vp.fd);
  world.device.close(pt.fd);
  const calls: TracedCall[] = [];
  const ioctls: { name: string; result: string }[] = [];
  let ioctl = '';
  for (const [n, line] of [...trace.lines()].entries()) {
    const r = JSON.parse(line) as TraceRecord;
    if (n === before) ioctl = 'MSHV_RELEASE';
    if (r.kind === 'ioctl') {
      ioctl = r.name;
      ioctls.push({ name: r.name, result: r.result });
      continue;
    }
    calls.push({
      index: calls.length,
      ioctl,
      name: r.name,
      repCount: r.repCount,
      status: Number.parseInt(r.status, 16),
      repsCompleted: r.repsCompleted,
      firstU64: le64(r.input),
      u16At12:
        r.input.length >= 28 ? Number.parseInt(r.input.slice(26, 28) + r.input.slice(24, 26), 16) : undefined,
    });
  }
  const result = { calls, ioctls, rootId: world.machine.knobs.rootPartitionId, childId, world };
  cache.set(key, result);
  return result;
}
