#!/usr/bin/env node
// `dtdl --version` answers without loading the CLI: scripts call it often, and the CLI's modules are most
// of its start-up time. Everything else goes to dist/cli.js.
import { readFileSync } from 'node:fs'
import { setFlagsFromString } from 'node:v8'

const args = process.argv.slice(2)
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`)
} else {
  // Keep WebAssembly on V8's baseline compiler. Otherwise V8 optimises undici's HTTP parser in the
  // background, and Node waits for that compile before it exits: 150-300 ms after every run, for code that
  // downloads no faster once optimised (measured: same throughput on 2 GiB and on 8 connections).
  setFlagsFromString('--liftoff-only')
  await import('../dist/cli.js')
}
