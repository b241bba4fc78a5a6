// The floor under dtdl's small-file mirror: only what every file needs, written plainly with undici. For each
// file: the download-info call, the GET of its signed URL, then write, fsync and rename, 16 files at a time.
// No claim, no checks, no CRC, no state, no retries. Usage:
//   node test/bench/small-floor.mjs <apiBase> <accessToken> <unionId> <spaceId> <files.json> <outDir> [jobs]
// files.json: [{ "dentryId": "...", "relPath": "a/b.bin" }, ...]
import { mkdirSync, readFileSync } from 'node:fs'
import { open, rename } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Agent, request } from 'undici'

const [apiBase, token, unionId, spaceId, listPath, outDir, jobsArg] = process.argv.slice(2)
const files = JSON.parse(readFileSync(listPath, 'utf8'))
const dispatcher = new Agent({ connections: 32 })
for (const dir of new Set(files.map((f) => dirname(join(outDir, f.relPath))))) mkdirSync(dir, { recursive: true })

async function fetchOne(file) {
  const info = await request(
    `${apiBase}/v1.0/storage/spaces/${spaceId}/dentries/${file.dentryId}/downloadInfos/query?unionId=${unionId}`,
    {
      method: 'POST',
      headers: { 'x-acs-dingtalk-access-token': token, 'content-type': 'application/json' },
      body: '{}',
      dispatcher,
    },
  )
  const answer = await info.body.json()
  if (info.statusCode !== 200) throw new Error(`download info ${info.statusCode}: ${JSON.stringify(answer)}`)
  const signed = answer.headerSignatureInfo
  const res = await request(signed.resourceUrls[0], { headers: signed.headers, dispatcher })
  if (res.statusCode !== 200) throw new Error(`GET ${res.statusCode}`)
  const target = join(outDir, file.relPath)
  const handle = await open(`${target}.part`, 'w')
  let at = 0
  for await (const chunk of res.body) {
    await handle.write(chunk, 0, chunk.length, at)
    at += chunk.length
  }
  await handle.sync()
  await handle.close()
  await rename(`${target}.part`, target)
}

let next = 0
const worker = async () => {
  while (next < files.length) await fetchOne(files[next++])
}
await Promise.all(Array.from({ length: Number(jobsArg ?? 16) }, worker))
await dispatcher.close()
