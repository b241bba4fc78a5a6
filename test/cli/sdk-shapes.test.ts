// What the official SDK allows and dtdl must survive: capitalised error keys, intranet URLs, lower-case or
// missing dentry types, online documents.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DEMO, randomBytes, setupWorld } from '../helpers.js'

type World = Awaited<ReturnType<typeof setupWorld>>
const SPACE = DEMO.spaceId
const BIG = randomBytes(600_000, 11)

let world: World
beforeAll(async () => {
  world = await setupWorld({
    folders: [{ spaceId: SPACE, dentryId: '300', name: 'mirror-me' }],
    files: [
      { spaceId: SPACE, dentryId: '1', name: 'big.bin', content: BIG },
      { spaceId: SPACE, dentryId: '301', name: 'one.txt', parentId: '300', content: randomBytes(1000, 1) },
      { spaceId: SPACE, dentryId: '302', name: 'two.txt', parentId: '300', content: randomBytes(2000, 2) },
      { spaceId: SPACE, dentryId: '303', name: 'mystery.bin', parentId: '300', content: randomBytes(3000, 3) },
      {
        spaceId: SPACE,
        dentryId: '304',
        name: 'Plan.adoc',
        parentId: '300',
        content: randomBytes(10, 4),
        storageDriver: 'ALIDOC',
      },
      { spaceId: SPACE, dentryId: '9', name: 'Minutes', content: randomBytes(10, 9), storageDriver: 'ALIDOC' },
    ],
  })
})
afterAll(() => world.close())

const same = async (name: string, dentryId: string) =>
  (await readFile(join(world.dir, name))).equals(await world.emulator.fileContent(SPACE, dentryId))

describe('error bodies with capitalised keys (Code, Message, RequestId)', () => {
  it('throttling is still waited out', async () => {
    world.emulator.setFaults({
      capitalErrorKeys: true,
      apiError: { api: 'downloadInfo', code: 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', status: 403, times: 1 },
    })
    const r = await world.run(['get', SPACE, '1', '-o', 'throttled.bin'])
    world.emulator.setFaults({})
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/throttled.*QpsLimitForAppkeyAndApi/)
    expect(await same('throttled.bin', '1')).toBe(true)
  })

  it('an expired token is still renewed', async () => {
    expect((await world.run(['get', SPACE, '301', '-o', 'warm.txt'])).code).toBe(0) // a token is now cached
    world.emulator.revokeTokens()
    world.emulator.setFaults({ capitalErrorKeys: true })
    world.emulator.resetStats()
    const r = await world.run(['get', SPACE, '302', '-o', 'renewed.txt'])
    world.emulator.setFaults({})
    expect(r.code, r.stderr).toBe(0)
    expect(world.emulator.stats.tokenMints).toBe(1)
    expect(world.emulator.stats.apiRequests.some((q) => q.status === 400)).toBe(true)
  })

  it('a missing file still exits 4, with the request id', async () => {
    world.emulator.setFaults({ capitalErrorKeys: true })
    const r = await world.run(['get', SPACE, 'no-such', '-o', 'x'])
    world.emulator.setFaults({})
    expect(r.code).toBe(4)
    expect(r.stderr).toMatch(/dentryNotExist/)
    expect(r.stderr).toMatch(/request id [0-9A-F-]{36}/i)
  })
})

describe('intranet URLs (internalResourceUrls)', () => {
  const byUrl = () => {
    const counts = [0, 0, 0, 0]
    for (const q of world.emulator.stats.resourceRequests) counts[q.urlIndex] = (counts[q.urlIndex] ?? 0) + 1
    return { public: counts[0]! + counts[1]!, intranet: counts[2]!, failingIntranet: counts[3]! }
  }

  it('with working ones, --intranet downloads through them; without the flag they are never touched', async () => {
    world.emulator.setFaults({ intranet: 'working' })
    world.emulator.resetStats()
    const r = await world.run(['get', SPACE, '1', '-o', 'intra.bin', '--intranet', '-c', '4'])
    expect(r.code, r.stderr).toBe(0)
    expect(byUrl()).toMatchObject({ public: 0, failingIntranet: 0 })
    expect(byUrl().intranet).toBeGreaterThan(0)
    expect(await same('intra.bin', '1')).toBe(true)
    world.emulator.resetStats()
    const plain = await world.run(['get', SPACE, '1', '-o', 'plain.bin', '-c', '4'])
    world.emulator.setFaults({})
    expect(plain.code, plain.stderr).toBe(0)
    expect(byUrl()).toMatchObject({ intranet: 0, failingIntranet: 0 })
    expect(byUrl().public).toBeGreaterThan(0)
    expect(await same('plain.bin', '1')).toBe(true)
  })

  it('with failing ones, --intranet still succeeds through resourceUrls', async () => {
    world.emulator.setFaults({ intranet: 'failing' })
    world.emulator.resetStats()
    const r = await world.run(['get', SPACE, '1', '-o', 'fallback.bin', '--intranet', '-c', '2'])
    world.emulator.setFaults({})
    expect(r.code, r.stderr).toBe(0)
    expect(byUrl().failingIntranet).toBeGreaterThan(0)
    expect(byUrl().public).toBeGreaterThan(0)
    expect(r.stderr).toMatch(/resource URL 1 keeps failing.*switching to URL 2/)
    expect(await same('fallback.bin', '1')).toBe(true)
  })

  it('info --intranet shows them (masked), info without it does not', async () => {
    world.emulator.setFaults({ intranet: 'working' })
    const withFlag = JSON.parse((await world.run(['info', SPACE, '1', '--intranet', '--json'])).stdout) as {
      download: { internalResourceUrls: string[] }
    }
    const without = JSON.parse((await world.run(['info', SPACE, '1', '--json'])).stdout) as {
      download: { internalResourceUrls: string[] }
    }
    world.emulator.setFaults({})
    expect(withFlag.download.internalResourceUrls).toHaveLength(1)
    expect(without.download.internalResourceUrls).toEqual([])
  })
})

describe('dentry fields as the SDK models them: every one optional, type in any case', () => {
  it('a mirror whose listing spells type in lower case completes', async () => {
    world.emulator.setFaults({ lowerCaseType: true })
    const r = await world.run(['get', SPACE, '300', '-r', '-o', 'lower', '--json'])
    world.emulator.setFaults({})
    const out = JSON.parse(r.stdout) as { files: { path: string; status: string; error?: { code: string } }[] }
    // Everything but the online document (reported on its own, below) is fetched.
    expect(
      out.files
        .filter((f) => f.status === 'downloaded')
        .map((f) => f.path)
        .sort(),
    ).toEqual(['mystery.bin', 'one.txt', 'two.txt'])
    expect(await same('lower/one.txt', '301')).toBe(true)
    const ls = await world.run(['ls', SPACE, '300', '--json'])
    expect(ls.code).toBe(0)
  })

  it('a listing entry without a type is reported and the rest of the mirror completes', async () => {
    world.emulator.setFaults({ omitFields: { '303': ['type'] } })
    const r = await world.run(['get', SPACE, '300', '-r', '-o', 'typeless', '--json'])
    const ls = await world.run(['ls', SPACE, '300', '--json'])
    world.emulator.setFaults({})
    expect(r.code).toBe(5)
    const out = JSON.parse(r.stdout) as {
      files: { path: string; status: string; error?: { code: string; message: string } }[]
    }
    const mystery = out.files.find((f) => f.path === 'mystery.bin')
    expect(mystery).toMatchObject({ status: 'failed', error: { code: 'INCOMPLETE_ENTRY' } })
    expect(mystery!.error!.message).toMatch(/no type/)
    expect(
      out.files
        .filter((f) => f.status === 'downloaded')
        .map((f) => f.path)
        .sort(),
    ).toEqual(['one.txt', 'two.txt'])
    expect(await same('typeless/two.txt', '302')).toBe(true)
    expect(ls.code).toBe(0)
    const entries = (JSON.parse(ls.stdout) as { entries: { name: string; type: string | null }[] }).entries
    expect(entries.find((e) => e.name === 'mystery.bin')?.type).toBeNull()
    expect(ls.stderr).toMatch(/does not say whether mystery\.bin is a file or a folder/)
  })

  it('a file without a name is saved under its id, and said so', async () => {
    world.emulator.setFaults({ omitFields: { '301': ['name'] } })
    const r = await world.run(['get', SPACE, '300', '-r', '-o', 'nameless'])
    const one = await world.run(['get', SPACE, '301'])
    world.emulator.setFaults({})
    expect(r.stderr).toMatch(/has no name: saved under its id 301/)
    expect(await same('nameless/301', '301')).toBe(true)
    expect(one.code, one.stderr).toBe(0)
    expect(await same('301', '301')).toBe(true)
  })
})

describe('online documents (storageDriver ALIDOC)', () => {
  it('get says it is an online document, exit 2, without asking for download info', async () => {
    world.emulator.resetStats()
    const r = await world.run(['get', SPACE, '9'])
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/"Minutes" is an online DingTalk document, not a stored file.*export/)
    expect(world.emulator.stats.downloadInfoCalls).toBe(0)
  })

  it('operationNotSupported for something known to be a file is explained the same way (-o -, no lookup first: the generic hint)', async () => {
    const streamed = await world.run(['get', SPACE, '9', '-o', '-'])
    expect(streamed.code).toBe(2)
    expect(streamed.stderr).toMatch(/operationNotSupported.*online DingTalk document must be exported/)
  })

  it('in a mirror it is one reported entry', async () => {
    const r = await world.run(['get', SPACE, '300', '-r', '-o', 'docs', '--json'])
    const out = JSON.parse(r.stdout) as { files: { path: string; status: string; error?: { code: string } }[] }
    expect(out.files.find((f) => f.path === 'Plan.adoc')).toMatchObject({
      status: 'failed',
      error: { code: 'ONLINE_DOCUMENT' },
    })
    expect(r.code).toBe(2)
  })
})
