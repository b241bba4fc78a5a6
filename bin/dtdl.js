#!/usr/bin/env node
// `dtdl --version` answers without loading the CLI: scripts call it often, and the CLI's modules are most
// of its start-up time. Everything else goes to dist/cli.bundle.js: dist/cli.js and every module of ours it
// reaches, bundled by esbuild at build time (packages stay external). Node 20 takes ~45 ms to load the ~90
// modules of `dtdl get` one by one, ~8 ms as one file.
import { readFileSync } from 'node:fs'

const args = process.argv.slice(2)
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`)
} else {
  await import('../dist/cli.bundle.js')
}
