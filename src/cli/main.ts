#!/usr/bin/env node
import { runCli } from './runCli.js';

// The only place that touches the real process: everything below takes injected I/O.
const code = await runCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  isTty: process.stdout.isTTY,
  progress: (line) => process.stdout.write(`\r\x1b[2K${line}`),
});
process.exitCode = code;
