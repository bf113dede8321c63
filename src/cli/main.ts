#!/usr/bin/env node
import { runCli } from './runCli.js';

// A reader that stops early (`mshv-control trace x.json | head`) closes the pipe: that is not an
// error of ours, so leave quietly instead of dying on an unhandled EPIPE.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(process.exitCode ?? 0);
});

// The only place that touches the real process: everything below takes injected I/O. runCli turns
// every error of a command into one line and an exit code; this catch is the net under runCli itself.
try {
  process.exitCode = await runCli(process.argv.slice(2), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    isTty: process.stdout.isTTY,
    progress: (line) => process.stdout.write(`\r\x1b[2K${line}`),
  });
} catch (e) {
  process.stderr.write(`mshv-control: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 3;
}
