// A mirror never writes through a symlink that leads out of its directory, checked once per folder.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { mkdir, readdir, symlink } from 'node:fs/promises'
import { join } from 'node:path'
import { DEMO, randomBytes, setupWorld } from '../helpers.js'

const SPACE = DEMO.spaceId
let w: Awaited<ReturnType<typeof setupWorld>>

beforeAll(async () => {
  w = await setupWorld({
    folders: [
      { spaceId: SPACE, dentryId: '700', name: 'top' },
      { spaceId: SPACE, dentryId: '710', name: 'sub', parentId: '700' },
    ],
    files: [
      { spaceId: SPACE, dentryId: '701', name: 'kept.txt', parentId: '700', content: randomBytes(3000, 701) },
      ...['1', '2', '3'].map((n) => ({
        spaceId: SPACE,
        dentryId: `71${n}`,
        name: `s${n}.txt`,
        parentId: '710',
        content: randomBytes(2000, 710 + Number(n)),
      })),
    ],
  })
})
afterAll(async () => {
  await w?.close()
})

it('refuses every file below a folder that is a symlink out of the mirror, and writes the others', async () => {
  const outside = join(w.dir, 'outside')
  await mkdir(outside)
  await mkdir(join(w.dir, 'm'))
  await symlink(outside, join(w.dir, 'm', 'sub'))
  const r = await w.run(['get', SPACE, '700', '-r', '-o', 'm', '--json'])
  expect(r.code).not.toBe(0)
  const files = (JSON.parse(r.stdout) as { files: { path: string; status: string; error?: { code: string } }[] }).files
  expect(files.find((f) => f.path === 'kept.txt')?.status).toBe('downloaded')
  const refused = files.filter((f) => f.path.startsWith('sub/'))
  expect(refused).toHaveLength(3)
  for (const f of refused) expect(f).toMatchObject({ status: 'failed', error: { code: 'UNSAFE_PATH' } })
  expect(await readdir(outside)).toEqual([])
  // Refused before any download-info call: only kept.txt cost one.
  expect(w.emulator.stats.downloadInfoCalls).toBe(1)
})
