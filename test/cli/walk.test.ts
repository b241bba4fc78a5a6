// Listing a tree: folders listed a few at a time, answers arriving in any order, the result always the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO, type EmulatorFileSpec, type EmulatorFolderSpec } from '../../src/emulator/index.js'
import { setupWorld } from '../helpers.js'

const S = DEMO.spaceId
// A tree four levels deep: folder i under folder floor((i-1)/2), two files in each, three per list page.
const FOLDERS: EmulatorFolderSpec[] = Array.from({ length: 15 }, (_, i) => ({
  spaceId: S,
  dentryId: `w${i}`,
  name: `d${i}`,
  parentId: i === 0 ? 'walk-root' : `w${Math.floor((i - 1) / 2)}`,
}))
const FILES: EmulatorFileSpec[] = FOLDERS.flatMap((f, i) =>
  [0, 1].map((k) => ({
    spaceId: S,
    dentryId: `wf${i}-${k}`,
    name: `f${k}.txt`,
    parentId: f.dentryId,
    content: Buffer.from(`${i}/${k}`),
  })),
)

describe('walking a folder tree', () => {
  let w: Awaited<ReturnType<typeof setupWorld>>
  beforeAll(async () => {
    w = await setupWorld({
      folders: [{ spaceId: S, dentryId: 'walk-root', name: 'walk' }, ...FOLDERS],
      files: FILES,
      faults: { listPageSize: 3 },
    })
  })
  afterAll(async () => w.close())

  const paths = async () => {
    const r = await w.run(['ls', S, 'walk-root', '-r', '--json'])
    expect(r.code, r.stderr).toBe(0)
    return (JSON.parse(r.stdout) as { entries: { path: string }[] }).entries.map((e) => e.path)
  }

  it('answers that overtake each other give the same pre-order listing; at most four folders are listed at once, more than one', async () => {
    const inOrder = await paths()
    expect(inOrder).toHaveLength(FOLDERS.length + FILES.length)
    // Each folder right before its contents.
    expect(inOrder.indexOf('d0')).toBeLessThan(inOrder.indexOf('d0/f0.txt'))
    expect(inOrder.indexOf('d0/d1')).toBeLessThan(inOrder.indexOf('d0/d1/d3/f1.txt'))
    w.emulator.setFaults({ listPageSize: 3, apiLatency: { api: 'list', ms: 5, jitterMs: 40 } })
    w.emulator.resetStats()
    for (let i = 0; i < 2; i++) expect(await paths()).toEqual(inOrder)
    expect(w.emulator.stats.maxInFlight.list).toBeGreaterThan(1)
    expect(w.emulator.stats.maxInFlight.list).toBeLessThanOrEqual(4)
  })

  it('a subfolder that cannot be listed is reported in its place; the rest of the tree is fetched', async () => {
    // d1 holds d3 and d4 (and their children): 2 + 2 * (2 + 2 * 2 ... ) files below it are out of reach.
    w.emulator.setFaults({ listPageSize: 3, denyListing: ['w1'], apiLatency: { api: 'list', ms: 0, jitterMs: 20 } })
    const r = await w.run(['get', S, 'walk-root', '-r', '-o', 'mirror', '--json'], {}, w.dir)
    expect(r.code).toBe(3)
    const files = (JSON.parse(r.stdout) as { files: { path: string; status: string; error?: { code: string } }[] })
      .files
    const failed = files.filter((f) => f.status === 'failed')
    expect(failed.map((f) => [f.path, f.error?.code])).toEqual([['d0/d1/', 'permissionDenied']])
    const under = (i: number): number[] => [
      i,
      ...[2 * i + 1, 2 * i + 2].filter((c) => c < FOLDERS.length).flatMap(under),
    ]
    const reachable = FILES.length - 2 * under(1).length
    expect(files.filter((f) => f.status === 'downloaded')).toHaveLength(reachable)
  })
})
