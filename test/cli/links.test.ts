// Links and dentryUuids wherever a file or folder is named (get, get -r, info, ls, versions, -i), `versions` and
// `spaces`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DEMO, randomBytes, setupWorld } from '../helpers.js'

type World = Awaited<ReturnType<typeof setupWorld>>
const SPACE = DEMO.spaceId
const V1 = randomBytes(70_000, 1)
const V2 = randomBytes(50_000, 2)
const V3 = randomBytes(90_000, 3)
const link = (uuid: string, tail = '') => `https://alidocs.dingtalk.com/i/nodes/${uuid}${tail}`

let world: World
let fileUuid: string
let folderUuid: string

beforeAll(async () => {
  world = await setupWorld({
    folders: [
      { spaceId: SPACE, dentryId: '500', name: 'team' },
      { spaceId: SPACE, dentryId: '510', name: 'sub', parentId: '500' },
    ],
    files: [
      {
        spaceId: SPACE,
        dentryId: '42',
        name: 'report.bin',
        content: V3,
        version: 3,
        versions: [
          { version: 1, content: V1 },
          { version: 2, content: V2 },
        ],
      },
      { spaceId: SPACE, dentryId: '501', name: 'a.txt', parentId: '500', content: randomBytes(1000, 5) },
      { spaceId: SPACE, dentryId: '511', name: 'b.txt', parentId: '510', content: randomBytes(2000, 6) },
    ],
    workspaces: [
      { workspaceId: 'ws-team', name: 'Team handbook', type: 'TEAM', root: { spaceId: SPACE, dentryId: '500' } },
      {
        workspaceId: 'ws-mine',
        name: 'My notes',
        type: 'PERSONAL',
        root: { spaceId: SPACE, dentryId: '510' },
        mine: true,
      },
    ],
  })
  fileUuid = world.emulator.uuidOf(SPACE, '42')
  folderUuid = world.emulator.uuidOf(SPACE, '500')
})
afterAll(() => world.close())

const queryDentryIdCalls = () =>
  world.emulator.stats.apiRequests.filter((r) => r.path.endsWith('/queryDentryId')).length

describe('get by link or dentryUuid', () => {
  it('a link with a query and fragment, and the bare dentryUuid, give the same bytes as the ids; a re-run makes no lookup call', async () => {
    const byIds = await world.run(['get', SPACE, '42', '-o', 'ids.bin'])
    expect(byIds.code).toBe(0)
    world.emulator.resetStats()
    const byLink = await world.run(['get', link(fileUuid, '?utm_source=x&spm=1#anchor'), '-o', 'link.bin'])
    expect(byLink.code, byLink.stderr).toBe(0)
    expect(queryDentryIdCalls()).toBe(1)
    const byUuid = await world.run(['get', fileUuid, '-o', 'uuid.bin'])
    expect(byUuid.code, byUuid.stderr).toBe(0)
    // The second use of the same dentryUuid comes from the config store.
    expect(queryDentryIdCalls()).toBe(1)
    const ids = await readFile(join(world.dir, 'ids.bin'))
    expect(ids.equals(V3)).toBe(true)
    expect((await readFile(join(world.dir, 'link.bin'))).equals(ids)).toBe(true)
    expect((await readFile(join(world.dir, 'uuid.bin'))).equals(ids)).toBe(true)
  })

  it('a link with a second id is a usage error, before any call', async () => {
    world.emulator.resetStats()
    const r = await world.run(['get', link(fileUuid), '42'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/names the file by itself/)
    expect(world.emulator.stats.apiRequests).toHaveLength(0)
  })

  it.each([
    [
      'a short share link',
      'https://alidocs.dingtalk.com/i/p/Y7kmbokZp3pgGLq2/docs/abc',
      /short share link.*\(hint: .*\/i\/nodes\//,
    ],
    [
      "a knowledge base's overview",
      'https://alidocs.dingtalk.com/i/spaces/ws-team/overview',
      /overview link names no file.*dtdl spaces/,
    ],
    ['another site', 'https://example.com/i/nodes/abc', /not a DingTalk document link/],
  ])('%s exits 2 with one line that says what to copy instead', async (_what, arg, message) => {
    world.emulator.resetStats()
    const r = await world.run(['get', arg])
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(message)
    expect(world.emulator.stats.apiRequests).toHaveLength(0)
  })

  it('an unknown dentryUuid exits 4 (documentNotExist)', async () => {
    const r = await world.run(['get', 'ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ'])
    expect(r.code).toBe(4)
    expect(r.stderr).toMatch(/documentNotExist/)
  })

  it('a dentryUuid the operator may not see exits 3 (permissionDenied)', async () => {
    const r = await world.run(['get', link(world.emulator.uuidOf(SPACE, '501')), '-u', 'stranger'])
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/permissionDenied/)
  })
})

describe('info, ls, get -r and -i take links', () => {
  it('info <link> names the file and its ids', async () => {
    const r = await world.run(['info', link(fileUuid, '?x=1'), '--json'])
    expect(r.code, r.stderr).toBe(0)
    const info = JSON.parse(r.stdout) as Record<string, unknown>
    expect(info).toMatchObject({
      ok: true,
      spaceId: SPACE,
      dentryId: '42',
      dentryUuid: fileUuid,
      name: 'report.bin',
      type: 'FILE',
      size: V3.length,
    })
    // The text for people names the ids too: what `get <spaceId> <dentryId>` and -i lines take.
    const text = await world.run(['info', link(fileUuid)])
    expect(text.code, text.stderr).toBe(0)
    expect(
      text.stdout
        .split('\n')
        .slice(0, 4)
        .map((l) => l.split(/\s+/)),
    ).toEqual([
      ['name', 'report.bin'],
      ['spaceId', SPACE],
      ['dentryId', '42'],
      ['dentryUuid', fileUuid],
    ])
  })

  it('ls <folder link> lists that folder', async () => {
    const r = await world.run(['ls', link(folderUuid), '--json'])
    expect(r.code, r.stderr).toBe(0)
    const { entries } = JSON.parse(r.stdout) as { entries: { name: string; type: string }[] }
    expect(entries.map((e) => [e.name, e.type])).toEqual([
      ['a.txt', 'FILE'],
      ['sub', 'FOLDER'],
    ])
  })

  it('get <folder link> -r mirrors the folder', async () => {
    const r = await world.run(['get', folderUuid, '-r', '-o', 'mirror'])
    expect(r.code, r.stderr).toBe(0)
    expect(
      (await readFile(join(world.dir, 'mirror', 'a.txt'))).equals(await world.emulator.fileContent(SPACE, '501')),
    ).toBe(true)
    expect(
      (await readFile(join(world.dir, 'mirror', 'sub', 'b.txt'))).equals(
        await world.emulator.fileContent(SPACE, '511'),
      ),
    ).toBe(true)
  })

  it('-i lines may be links (with an output) or dentryUuids; a short link fails its own line only', async () => {
    const list = [
      `${link(fileUuid, '?a=b')} from-link.bin`,
      world.emulator.uuidOf(SPACE, '511'),
      'https://alidocs.dingtalk.com/i/p/short',
      `${SPACE} 501 by-ids.txt`,
    ].join('\n')
    await writeFile(join(world.dir, 'list.txt'), list)
    const r = await world.run(['get', '-i', 'list.txt', '-o', 'batch', '--create-dirs', '--json'])
    expect(r.code).toBe(2)
    const out = JSON.parse(r.stdout) as {
      files: { line: number; status: string; dentryId: string; error?: { message: string; hint?: string } }[]
    }
    expect(out.files.map((f) => [f.line, f.status])).toEqual([
      [1, 'downloaded'],
      [2, 'downloaded'],
      [3, 'failed'],
      [4, 'downloaded'],
    ])
    expect(out.files[0]!.dentryId).toBe('42')
    expect(out.files[2]!.error!.message).toMatch(/line 3: a short share link/)
    expect(out.files[2]!.error!.hint).toMatch(/\/i\/nodes\//)
    expect((await readFile(join(world.dir, 'batch', 'from-link.bin'))).equals(V3)).toBe(true)
    expect(
      (await readFile(join(world.dir, 'batch', 'b.txt'))).equals(await world.emulator.fileContent(SPACE, '511')),
    ).toBe(true)
  })
})

describe('versions', () => {
  it('lists every version newest first, and get --version of each gives those bytes', async () => {
    const r = await world.run(['versions', link(fileUuid), '--json'])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as {
      ok: boolean
      versions: { version: number; size: number; modifiedTime: string }[]
    }
    expect(out.ok).toBe(true)
    expect(out.versions.map((v) => [v.version, v.size])).toEqual([
      [3, V3.length],
      [2, V2.length],
      [1, V1.length],
    ])
    for (const [v, bytes] of [
      [1, V1],
      [2, V2],
      [3, V3],
    ] as const) {
      const got = await world.run(['get', SPACE, '42', '--version', String(v), '-o', `v${v}.bin`])
      expect(got.code, got.stderr).toBe(0)
      expect((await readFile(join(world.dir, `v${v}.bin`))).equals(bytes)).toBe(true)
    }
  })

  it('pages through more versions than one page holds, for people too', async () => {
    const many = Array.from({ length: 104 }, (_, i) => ({ version: i + 1, content: randomBytes(10 + i, i + 10) }))
    world.emulator.addFile({
      spaceId: SPACE,
      dentryId: '77',
      name: 'many.bin',
      content: randomBytes(5, 99),
      version: 105,
      versions: many,
    })
    world.emulator.resetStats()
    const r = await world.run(['versions', SPACE, '77'])
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout.trim().split('\n')
    expect(lines).toHaveLength(105)
    expect(lines[0]).toMatch(/^v105 /)
    expect(lines[104]).toMatch(/^v1 /)
    expect(world.emulator.stats.apiRequests.filter((q) => q.path.endsWith('/versions')).length).toBe(2)
  })

  it('of a folder: exit 2, with a hint that fits versions (ls), not -r, which versions does not take', async () => {
    const r = await world.run(['versions', link(folderUuid)])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toMatch(
      /operationNotSupported.*\(hint: only a file has versions: if this is a folder, `dtdl ls` lists its files/,
    )
    expect(r.stderr).not.toMatch(/-r\b/)
  })
})

describe('spaces', () => {
  it("lists the knowledge bases (the user's own first) with their rootNodeId, which ls takes", async () => {
    const r = await world.run(['spaces', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const { spaces } = JSON.parse(r.stdout) as {
      spaces: { name: string; type: string; workspaceId: string; rootNodeId: string; url: string }[]
    }
    expect(spaces.map((s) => [s.name, s.type, s.workspaceId, s.rootNodeId])).toEqual([
      ['My notes', 'PERSONAL', 'ws-mine', world.emulator.uuidOf(SPACE, '510')],
      ['Team handbook', 'TEAM', 'ws-team', folderUuid],
    ])
    const people = await world.run(['spaces'])
    expect(people.stdout).toMatch(new RegExp(`TEAM\\s+${folderUuid}\\s+Team handbook`))
    const ls = await world.run(['ls', spaces[1]!.rootNodeId])
    expect(ls.code, ls.stderr).toBe(0)
    expect(ls.stdout).toMatch(/a\.txt/)
    expect(ls.stdout).toMatch(/sub\//)
  })
})
