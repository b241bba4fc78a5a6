// The floor under dtdl's one-connection figure: the same signed GET, bytes read and thrown away (no CRC, no
// disk). `undici` is the naive pipeline (the package entry, request() and for await over the body), `http` is
// Node's own client for comparison. What this costs in wall, CPU and RSS, dtdl cannot undercut with undici.
// Run: node test/bench/read-floor.mjs <undici|http> <url> [headers as JSON]; prints one JSON line.
import { get } from 'node:http'
import { setFlagsFromString } from 'node:v8'

// As bin/dtdl.js does: no background optimisation of undici's WebAssembly parser for Node to wait on at exit.
setFlagsFromString('--liftoff-only')

const [client, url, headersJson = '{}'] = process.argv.slice(2)
const headers = JSON.parse(headersJson)
const started = performance.now()
let bytes = 0
if (client === 'undici') {
  const { request } = await import('undici')
  const res = await request(url, { headers })
  if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`)
  for await (const chunk of res.body) bytes += chunk.length
} else if (client === 'http') {
  await new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}`))
      res.on('data', (chunk) => (bytes += chunk.length))
      res.on('end', resolve)
      res.on('error', reject)
    }).on('error', reject)
  })
} else {
  throw new Error(`client must be undici or http, not ${client}`)
}
console.log(JSON.stringify({ client, bytes, seconds: (performance.now() - started) / 1000 }))
