// `npm run build:native`: builds the optional native CRC-64 addon quietly, and says in one line what came of it.
// An explicit step, not an install script (npm 11 warns about those and may skip them): without the addon dtdl
// uses WebAssembly, same results. node-gyp's own output (dozens of "gyp info" lines, compiler lines) is kept
// back, and a failed build exits 0, changing nothing. `npx node-gyp rebuild --directory src/crc64/native` shows it all.
'use strict'
const { spawnSync } = require('node:child_process')
const { join } = require('node:path')

const dir = join(__dirname, '..', 'src', 'crc64', 'native')
const fallback = 'dtdl uses its WebAssembly CRC-64 instead (same results, slower)'

if (process.env.DTDL_NATIVE === '0') {
  console.log(`dtdl: DTDL_NATIVE=0, so the native CRC-64 addon was not built; ${fallback}`)
  process.exit(0)
}
// npm tells scripts where its bundled node-gyp is; outside npm, the one on PATH.
const gyp = process.env.npm_config_node_gyp
const args = ['rebuild', '--directory', dir, '--loglevel=silent']
const run = gyp
  ? spawnSync(process.execPath, [gyp, ...args], { encoding: 'utf8' })
  : spawnSync('node-gyp', args, { encoding: 'utf8', shell: process.platform === 'win32' })
if (run.status === 0) {
  console.log('dtdl: built the native CRC-64 addon')
} else {
  const output = `${run.stdout ?? ''}\n${run.stderr ?? ''}`
  // The first line that says what went wrong, if node-gyp or the compiler gave one.
  const why = run.error
    ? run.error.message
    : (output
        .split('\n')
        .map((l) => l.trim())
        .find((l) => /not found|error|cannot|No such/i.test(l)) ?? `node-gyp exited with ${run.status}`)
  console.log(`dtdl: the native CRC-64 addon was not built (${why.slice(0, 160)}); ${fallback}`)
}
