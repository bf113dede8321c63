import type { Command } from '../Command.js';
import { checkCommand } from './check.js';
import { decodeCommand } from './decode.js';
import { demoCommand } from './demo.js';
import { diagramCommand } from './diagram.js';
import { logCommand } from './log.js';
import { probeCommand } from './probe.js';
import { recoverCommand } from './recover.js';
import { replayCommand } from './replay.js';
import { runCommand } from './run.js';
import { traceCommand } from './trace.js';

/** Every CLI command, in help order. */
export const commands: readonly Command[] = [
  checkCommand,
  decodeCommand,
  demoCommand,
  diagramCommand,
  logCommand,
  probeCommand,
  recoverCommand,
  replayCommand,
  runCommand,
  traceCommand,
];
