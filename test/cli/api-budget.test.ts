// What a run costs: --json call counts equal what the emulator received, small files take one request, and a
// throttled API is paced instead of hammered (no per-call throttling lines).
import { afterEach, describe, expect, it } from 'vitest'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Agent } from 'undici'
import { DEMO, setupWorld } from '../helpers.js'
import type { ApiRequestLog, EmulatorFileSpec, EmulatorFolderSpec } from '../../src/emulator/index.js'
import { downloadFile } from '../../src/engine/download.js'
import { parseDownloadInfo } from '../../src/dingtalk/client.js'
import { API_KINDS, RequestCounter } from '../../src/http/request-counter.js'

type World = Awaited<ReturnType<typeof setupWorld>>
const SPACE = DEMO.spaceId

/** A nested tree: `folders` folders (each under an earlier one or the root), `files` files spread over them. */
function tree(
  files: number,
  folders: number,
  size: (i: number) => number,
): { files: EmulatorFileSpec[]; folders: EmulatorFolderSpec[] } {
  const fs: EmulatorFolderSpec[] = []
  for (let i = 0; i < folders; i++)
    fs.push({
      spaceId: SPACE,
      dentryId: `d${i}`,
      name: `dir${i}`,
      parentId: i === 0 ? '0' : `d${Math.floor((i - 1) / 2)}`,
    })
  const out: EmulatorFileSpec[] = []
  for (let i = 0; i < files; i++)
    out.push({ spaceId: SPACE, dentryId: `f${i}`, name: `file${i}.bin`, parentId: `d${i % folders}`, size: size(i) })
  return { files: out, folders: fs }
}

const kindOf = (r: ApiRequestLog) =>
  r.path.endsWith('/oauth2/accessToken')
    ? 'token'
    : r.path.endsWith('/downloadInfos/query')
      ? 'downloadInfo'
      : r.path.endsWith('/query')
        ? 'dentry'
        : r.method === 'GET' && r.path.endsWith('/dentries')
          ? 'list'
          : r.path.endsWith('/versions')
            ? 'versions'
            : r.path.endsWith('/queryDentryId')
              ? 'dentryUuid'
              : r.path.startsWith('/v2.0/wiki/')
                ? 'workspaces'
                : r.path.startsWith('/topapi/')
                  ? 'user'
                  : 'other'

/** What the emulator received, in the shape of --json's apiCalls. */
function received(w: World) {
  const byKind: Record<string, number> = Object.fromEntries(API_KINDS.map((k) => [k, 0]))
  for (const r of w.emulator.stats.apiRequests) byKind[kindOf(r)] = (byKind[kindOf(r)] ?? 0) + 1
  return {
    apiCalls: { total: w.emulator.stats.apiRequests.length, ...byKind },
    storageRequests: w.emulator.stats.resourceRequests.length,
  }
}

const json = (stdout: string) =>
  JSON.parse(stdout) as {
    apiCalls: Record<string, number>
    storageRequests: number
    apiThrottled: number
    summary?: { downloaded: number }
  }
const lastLine = (stderr: string) => stderr.trim().split('\n').at(-1) ?? ''

describe('every call counted', () => {
  let w: World
  afterEach(async () => w.close())

  it('get -r of 200 small files in 20 nested folders: one storage request per file, --json counts = what the emulator received', async () => {
    const t = tree(200, 20, (i) => 1000 + i * 37)
    w = await setupWorld(t)
    // Pacing off: this test is about counting, the budget has its own below.
    const r = await w.run([
      'get',
      SPACE,
      '0',
      '-r',
      '-o',
      'mirror',
      '-j',
      '8',
      '--json',
      '--no-progress',
      '--api-qps',
      '0',
    ])
    expect(r.code, r.stderr).toBe(0)
    const out = json(r.stdout)
    expect(out.summary?.downloaded).toBe(200)
    expect({ apiCalls: out.apiCalls, storageRequests: out.storageRequests }).toEqual(received(w))
    expect(out.storageRequests).toBeLessThanOrEqual(200 * 1.05)
    expect(out.apiCalls.downloadInfo).toBe(200)
    // Every probe-free GET still delivered the exact bytes.
    for (const f of t.files.filter((_, i) => i % 17 === 0)) {
      const path = join(w.dir, 'mirror', ...relPath(t, f))
      expect((await readFile(path)).equals(await w.emulator.fileContent(SPACE, f.dentryId)), path).toBe(true)
    }
    expect(lastLine(r.stderr)).toMatch(new RegExp(`; ${out.apiCalls.total} API calls, 200 storage requests$`))

    // A re-run counts what it sends too.
    w.emulator.resetStats()
    const again = await w.run(['get', SPACE, '0', '-r', '-o', 'mirror', '--json', '--no-progress'], {
      DTDL_API_QPS: '0',
    })
    expect(again.code, again.stderr).toBe(0)
    const out2 = json(again.stdout)
    expect({ apiCalls: out2.apiCalls, storageRequests: out2.storageRequests }).toEqual(received(w))
  })

  it('get, get -i, info and ls: the end line and --json say what the emulator received', async () => {
    w = await setupWorld({
      files: [
        { spaceId: SPACE, dentryId: '1', name: 'one.bin', size: 300_000 },
        { spaceId: SPACE, dentryId: '2', name: 'two.bin', size: 5000 },
      ],
    })
    await writeFile(join(w.dir, 'list.txt'), `${SPACE} 1 a.bin\n${SPACE} 2 b.bin\n`)
    const cases: string[][] = [
      ['get', SPACE, '1', '-o', 'one.bin'],
      ['get', '-i', 'list.txt', '-o', 'listed', '--create-dirs'],
      ['info', SPACE, '2'],
      ['ls', SPACE, '-r'],
    ]
    for (const args of cases) {
      w.emulator.resetStats()
      const human = await w.run(args)
      expect(human.code, human.stderr).toBe(0)
      const got = received(w)
      const storage = got.storageRequests
      expect(lastLine(human.stderr), args.join(' ')).toMatch(
        new RegExp(`${got.apiCalls.total} API calls?, ${storage} storage requests?$`),
      )
      w.emulator.resetStats()
      const r = await w.run([...args, '--json', ...(args[0] === 'get' ? ['--force'] : [])])
      expect(r.code, r.stderr).toBe(0)
      const out = json(r.stdout)
      expect({ apiCalls: out.apiCalls, storageRequests: out.storageRequests }, args.join(' ')).toEqual(received(w))
      expect(out.apiThrottled).toBe(0)
    }
  })
})

function relPath(t: ReturnType<typeof tree>, f: EmulatorFileSpec): string[] {
  const names = [f.name]
  let parent = f.parentId
  while (parent && parent !== '0') {
    const folder = t.folders.find((d) => d.dentryId === parent)!
    names.unshift(folder.name)
    parent = folder.parentId
  }
  return names
}

describe('small files in one request (the engine module against the emulator)', () => {
  let w: World
  afterEach(async () => w.close())

  /** downloadFile with a listing size that may be wrong, counting what it sends. */
  async function fetchWithListedSize(expectedSize: number, target: string) {
    const dispatcher = new Agent()
    const requests = new RequestCounter()
    const notes: string[] = []
    const getDownloadInfo = async () => {
      const res = await fetch(
        `${w.emulator.url}/v1.0/storage/spaces/${SPACE}/dentries/7/downloadInfos/query?unionId=${DEMO.unionId}`,
        {
          method: 'POST',
          headers: { 'x-acs-dingtalk-access-token': DEMO.accessToken, 'content-type': 'application/json' },
          body: '{}',
        },
      )
      return parseDownloadInfo((await res.json()) as Parameters<typeof parseDownloadInfo>[0])
    }
    try {
      const result = await downloadFile({
        request: { spaceId: SPACE, dentryId: '7', version: null },
        getDownloadInfo,
        target: join(w.dir, target),
        dispatcher,
        expectedSize,
        requests,
        onEvent: (e) => {
          if (e.type === 'note') notes.push(e.message)
        },
      })
      return { result, storage: requests.snapshot().storageRequests, notes }
    } finally {
      await dispatcher.close()
    }
  }

  it.each<[string, number, number, RegExp | undefined]>([
    ['size as listed: one GET', 200_000, 1, undefined],
    ['the file grew past the listing: falls back to the engine', 150_000, 3, /is 200000 bytes now/],
    ['the file shrank below the listing: the whole (smaller) object is taken', 250_000, 1, undefined],
  ])('%s', async (_, listed, storageRequests, note) => {
    w = await setupWorld({ files: [{ spaceId: SPACE, dentryId: '7', name: 's.bin', size: 200_000 }] })
    const r = await fetchWithListedSize(listed, 's.bin')
    expect((await readFile(join(w.dir, 's.bin'))).equals(await w.emulator.fileContent(SPACE, '7'))).toBe(true)
    expect(r.result).toMatchObject({ bytes: 200_000, checked: ['size', 'crc64'], upToDate: false })
    expect(r.storage).toBe(storageRequests)
    expect(r.storage).toBe(w.emulator.stats.resourceRequests.length)
    if (note) expect(r.notes.join('\n')).toMatch(note)
  })

  it('a corrupted small file is fetched again by the engine and verified', async () => {
    w = await setupWorld({
      files: [{ spaceId: SPACE, dentryId: '7', name: 's.bin', size: 200_000 }],
      faults: { corruptOnce: true },
    })
    const r = await fetchWithListedSize(200_000, 's.bin')
    expect((await readFile(join(w.dir, 's.bin'))).equals(await w.emulator.fileContent(SPACE, '7'))).toBe(true)
    expect(r.notes.join('\n')).toMatch(/CRC-64 mismatch/)
  })

  it('a small file whose connection is cut is retried from byte 0 in one GET', async () => {
    w = await setupWorld({
      files: [{ spaceId: SPACE, dentryId: '7', name: 's.bin', size: 200_000 }],
      faults: { cutEveryKth: { k: 1, afterBytes: 50_000 } },
    })
    const pending = fetchWithListedSize(200_000, 's.bin')
    // Let the first two responses be cut, then serve the rest whole.
    const { waitFor } = await import('../helpers.js')
    await waitFor(() => w.emulator.stats.resourceRequests.length >= 2, 'two cut responses')
    w.emulator.setFaults({})
    const r = await pending
    expect((await readFile(join(w.dir, 's.bin'))).equals(await w.emulator.fileContent(SPACE, '7'))).toBe(true)
    expect(r.storage).toBe(w.emulator.stats.resourceRequests.length)
    expect(r.storage).toBeGreaterThanOrEqual(3)
  })
})

describe('one API budget per run', () => {
  let w: World
  afterEach(async () => w.close())

  it('a 300-file mirror with download info held to 20 calls/s: within 1.15x of 15 s, at most 2% throttled, no per-call line', async () => {
    w = await setupWorld({
      ...tree(300, 20, () => 2048),
      faults: { qpsLimit: { callsPerSecond: 20, api: 'downloadInfo' } },
    })
    const started = performance.now()
    const r = await w.run(['get', SPACE, '0', '-r', '-o', 'mirror', '-j', '8', '--json', '--no-progress'])
    const seconds = (performance.now() - started) / 1000
    expect(r.code, r.stderr).toBe(0)
    const out = json(r.stdout)
    expect(out.summary?.downloaded).toBe(300)
    const refused = w.emulator.stats.apiRequests.filter((q) => q.status === 403).length
    expect(out.apiThrottled).toBe(refused)
    expect(refused).toBeLessThanOrEqual(0.02 * out.apiCalls.total)
    expect({ apiCalls: out.apiCalls, storageRequests: out.storageRequests }).toEqual(received(w))
    expect(seconds).toBeLessThanOrEqual(15 * 1.15)
    expect(r.stderr).not.toMatch(/throttled the request/)
    expect(r.stderr.split('\n').filter((l) => /throttled/.test(l)).length).toBeLessThanOrEqual(1)
  }, 60_000)

  it('throttling that still happens is summed up in one line at the end', async () => {
    w = await setupWorld({
      files: [{ spaceId: SPACE, dentryId: '1', name: 'one.bin', size: 1000 }],
      faults: { apiError: { code: 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', status: 403, times: 2 } },
    })
    const r = await w.run(['get', SPACE, '1', '-o', 'one.bin'])
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stderr.trim().split('\n')
    expect(lines.filter((l) => /throttled/.test(l))).toEqual([lines.at(-1)])
    expect(lines.at(-1)).toMatch(
      /^DingTalk throttled or was busy for 2 answers \(Forbidden\.AccessDenied\.QpsLimitForAppkeyAndApi\) of \d+ API calls/,
    )
  })

  it('--api-qps is validated like other integers', async () => {
    w = await setupWorld({ files: [] })
    const r = await w.run(['ls', SPACE, '--api-qps', 'fast'])
    expect(r.code).toBe(2)
    expect(r.stderr.trim()).toMatch(/^dtdl: --api-qps must be an integer from 0 to 10000/)
  })
})

describe('the budget and the counts, from the edges', () => {
  let w: World
  afterEach(async () => w.close())

  it('Ctrl-C while jobs wait on the budget ends the run at once (exit 130)', async () => {
    w = await setupWorld(tree(10, 2, () => 1000))
    const { spawnCli, waitFor } = await import('../helpers.js')
    const child = spawnCli(['get', SPACE, '0', '-r', '-o', 'slow', '-j', '4', '--api-qps', '1', '--no-progress'], {
      env: w.env(),
      cwd: w.dir,
    })
    // One download-info call per second: once the first has been answered, the other jobs are waiting.
    await waitFor(() => w.emulator.stats.downloadInfoCalls >= 1, 'the first download-info call')
    const sent = performance.now()
    child.kill('SIGINT')
    const r = await child.result
    expect(r.code).toBe(130)
    expect(performance.now() - sent).toBeLessThan(900)
    expect(w.emulator.stats.downloadInfoCalls).toBeLessThan(10)
  })

  it("the library's results carry the counts the emulator received", async () => {
    w = await setupWorld(tree(12, 3, () => 3000))
    const { mirrorFolder, listFolder, getFileInfo } = await import('../../src/index.js')
    const env = w.env()
    const common = { env, endpoint: w.emulator.url, unionId: DEMO.unionId }
    const results = [
      await mirrorFolder({ ...common, spaceId: SPACE, dentryId: '0', output: join(w.dir, 'lib') }),
      await listFolder({ ...common, spaceId: SPACE, recursive: true }),
      await getFileInfo({ ...common, spaceId: SPACE, dentryId: 'f1' }),
    ]
    const sum = (key: 'total' | 'downloadInfo') => results.reduce((n, r) => n + r.apiCalls[key], 0)
    expect(sum('total')).toBe(w.emulator.stats.apiRequests.length)
    expect(sum('downloadInfo')).toBe(w.emulator.stats.downloadInfoCalls)
    expect(results.reduce((n, r) => n + r.storageRequests, 0)).toBe(w.emulator.stats.resourceRequests.length)
    expect(results[0]!.storageRequests).toBe(12)
  })
})
