// `npm run demo`: the whole path offline — emulator, download, Ctrl-C, resume, CRC-64 check — narrated.
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { crc64 } from '../crc64/crc64.js'
import { DEMO, startEmulator } from './index.js'

const BIN = fileURLToPath(new URL('../../bin/dtdl.js', import.meta.url))
const SIZE = 64 * 1024 * 1024
const say = (line: string) => process.stdout.write(`${line}\n`)

async function main(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'dtdl-demo-'))
  // 8 MB/s per connection, so there is time to interrupt the download half way.
  const emulator = await startEmulator({
    quiet: true,
    files: [{ spaceId: DEMO.spaceId, dentryId: '10001', name: 'demo.bin', size: SIZE }],
    faults: { bytesPerSecondPerConnection: 8_000_000 },
  })
  const env = {
    ...process.env,
    DTDL_ENDPOINT: emulator.url,
    DTDL_CONFIG_DIR: join(dir, 'config'),
    DINGTALK_APP_KEY: DEMO.appKey,
    DINGTALK_APP_SECRET: DEMO.appSecret,
    DINGTALK_UNION_ID: DEMO.unionId,
    DINGTALK_ACCESS_TOKEN: '',
  }
  const target = join(dir, 'demo.bin')
  const args = ['get', DEMO.spaceId, '10001', '-o', target, '-c', '4']
  const run = (onStart?: (kill: () => void) => void) =>
    new Promise<number | null>((done) => {
      const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'inherit', 'inherit'] })
      onStart?.(() => child.kill('SIGINT'))
      child.on('close', (code) => done(code))
    })
  try {
    say(
      `1. Started the DingTalk emulator at ${emulator.url}, serving a ${SIZE >> 20} MiB file at 8 MB/s per connection.`,
    )
    say(`2. Running: dtdl ${args.join(' ')}   (interrupting it half way with Ctrl-C)`)
    const first = await run((interrupt) => {
      const timer = setInterval(() => {
        if (emulator.stats.bytesServed > SIZE / 2) {
          clearInterval(timer)
          interrupt()
        }
      }, 20)
    })
    say(
      `   → exit code ${first} (130 = interrupted); ${(emulator.stats.bytesServed / 2 ** 20).toFixed(1)} MiB fetched so far, kept in ${target}.dtdl-part`,
    )
    const before = emulator.stats.bytesServed
    say('3. Running the same command again: it resumes.')
    const second = await run()
    say(
      `   → exit code ${second}; this run fetched ${((emulator.stats.bytesServed - before) / 2 ** 20).toFixed(1)} MiB, ${(emulator.stats.bytesServed / 2 ** 20).toFixed(1)} MiB in all for a ${SIZE >> 20} MiB file.`,
    )
    const local = crc64(await readFile(target))
    const remote = crc64(await emulator.fileContent(DEMO.spaceId, '10001'))
    const ok = second === 0 && local === remote
    say(`4. CRC-64 of the file: ${local}; the emulator's: ${remote} → ${ok ? 'identical' : 'DIFFERENT'}.`)
    say(
      ok
        ? 'Demo passed. Try it yourself: `node bin/dtdl.js emulator` prints ids and credentials to use.'
        : 'Demo FAILED.',
    )
    return ok && first === 130 ? 0 : 1
  } finally {
    await emulator.close()
    await rm(dir, { recursive: true, force: true })
  }
}

process.exitCode = await main()
