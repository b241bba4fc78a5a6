// The library's own options, through src/index.ts against the emulator: what the CLI's flags do, as plain options.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { download, downloadList, DtdlError, type LibraryEvent } from '../src/index.js'
import { DEMO, makeTempDir, randomBytes } from './helpers.js'
import { startEmulator, type Emulator } from '../src/emulator/index.js'

let emu: Emulator
let tmp: { dir: string; cleanup: () => Promise<void> }
const content = randomBytes(300_000, 4242)

beforeAll(async () => {
  emu = await startEmulator({
    quiet: true,
    files: [{ spaceId: DEMO.spaceId, dentryId: '4242', name: 'lib.bin', content }],
  })
  tmp = await makeTempDir()
})
afterAll(async () => {
  await emu?.close()
  await tmp?.cleanup()
})

const common = () => ({
  spaceId: DEMO.spaceId,
  unionId: DEMO.unionId,
  endpoint: emu.url,
  token: DEMO.accessToken,
  env: { DTDL_CONFIG_DIR: join(tmp.dir, 'config') },
})

it("createDirs makes missing folders; without it the library rejects with the CLI's FS_ENOENT (exit 7)", async () => {
  const target = join(tmp.dir, 'new', 'deeper', 'lib.bin')
  const refused = await download({ ...common(), dentryId: '4242', output: target }).catch((err: unknown) => err)
  expect(refused).toBeInstanceOf(DtdlError)
  expect(refused).toMatchObject({ code: 'FS_ENOENT', exitCode: 7 })
  const r = await download({ ...common(), dentryId: '4242', output: target, createDirs: true })
  expect(r.bytes).toBe(content.length)
  expect((await readFile(target)).equals(content)).toBe(true)
})

it('skipExisting leaves an existing target alone with no API call, in download and in downloadList', async () => {
  const target = join(tmp.dir, 'new', 'deeper', 'lib.bin')
  const before = emu.stats.apiRequests.length
  const r = await download({ ...common(), dentryId: '4242', output: target, skipExisting: true })
  expect(r.apiCalls.total).toBe(0)
  const list = await downloadList({
    ...common(),
    files: [{ spaceId: DEMO.spaceId, dentryId: '4242', output: target }],
    skipExisting: true,
  })
  expect(list.files[0]).toMatchObject({ status: 'skipped', existing: true })
  expect(emu.stats.apiRequests.length).toBe(before)
})

it('takes a link instead of the ids, and a userid instead of the unionId', async () => {
  const target = join(tmp.dir, 'by-link.bin')
  const { unionId: _unionId, ...withoutUnion } = common()
  const r = await download({
    ...withoutUnion,
    userId: `${DEMO.unionId}-userid`,
    link: `https://alidocs.dingtalk.com/i/nodes/${emu.uuidOf(DEMO.spaceId, '4242')}?utm=x`,
    output: target,
  })
  expect((await readFile(target)).equals(content)).toBe(true)
  expect(r.apiCalls.dentryUuid).toBe(1)
  expect(r.apiCalls.user).toBe(1)
  const bad = await download({ ...common(), link: 'https://alidocs.dingtalk.com/i/p/short', output: target }).catch(
    (err: unknown) => err,
  )
  expect(bad).toMatchObject({ exitCode: 2 })
})

it('an abort through the caller\'s signal says "aborted" (exit code 130); errors name options, not flags', async () => {
  const controller = new AbortController()
  controller.abort()
  const aborted = await download({
    ...common(),
    dentryId: '4242',
    output: join(tmp.dir, 'a.bin'),
    signal: controller.signal,
  }).catch((err: unknown) => err)
  expect(aborted).toMatchObject({ exitCode: 130, message: 'aborted' })
  // A target that differs: the CLI says "pass --force ... or choose another -o"; the library, its own names.
  const target = join(tmp.dir, 'differs.bin')
  await download({ ...common(), dentryId: '4242', output: target })
  const { writeFile } = await import('node:fs/promises')
  await writeFile(target, 'not the remote file')
  const differs = (await download({ ...common(), dentryId: '4242', output: target }).catch(
    (err: unknown) => err,
  )) as DtdlError
  expect(differs.code).toBe('TARGET_DIFFERS')
  expect(differs.hint).toMatch(/force: true/)
  expect(`${differs.message} ${differs.hint}`).not.toMatch(/(^|\s)--?[a-z]/)
})

it('finds the connection count and reports it: the result says where it ended and its peak, the events each step', async () => {
  emu.addFile({ spaceId: DEMO.spaceId, dentryId: '4343', name: 'capped.bin', size: 32 * 1024 * 1024 })
  emu.setFaults({ bytesPerSecondPerConnection: 8_000_000 })
  const steps: Extract<LibraryEvent, { type: 'connections' }>[] = []
  try {
    const r = await download({
      ...common(),
      dentryId: '4343',
      output: join(tmp.dir, 'capped.bin'),
      onEvent: (e) => (e.type === 'connections' ? steps.push(e) : undefined),
    })
    // 32 MiB allows 8; each connection capped, so doubling from 4 pays.
    expect(r).toMatchObject({ connections: 8, peakConnections: 8, checked: ['size', 'crc64'] })
    expect(steps[0]).toMatchObject({ action: 'add', connections: 8, measured: { connections: 4 } })
    expect(steps[0]!.measured.bytesPerSecond).toBeGreaterThan(0)
  } finally {
    emu.setFaults({})
  }
})
