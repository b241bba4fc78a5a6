// The bench's "many small files" section: a 1,000-file tree (16-64 KiB, 20 nested folders) mirrored by dtdl
// -r (first run and no-op re-run) beside aria2c -i -j 16 fetching the same files from nginx; API calls and
// storage requests per file from dtdl's --json, cross-checked against what the servers logged.
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { randomFillSync } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mkdtempSync } from 'node:fs'
import { fmt, measure, round, syncDisks, table, verdict } from './lib.mjs'
import { startNginx } from './nginx.mjs'
import { DEMO, startEmulator } from '../../dist/emulator/index.js'

export const SMALL_FILES = 1000
export const SMALL_FOLDERS = 20
const MIN_KIB = 16
const MAX_KIB = 64
const JOBS = 16
const STORAGE_GOAL = 1.05
const TIME_GOAL = 1.5
const SPACE = DEMO.spaceId

/** Folder i sits under folder floor((i-1)/2): a tree four levels deep. Returns each folder's path. */
function folderPaths() {
  const paths = []
  for (let i = 0; i < SMALL_FOLDERS; i++) paths.push(i === 0 ? 'dir0' : `${paths[Math.floor((i - 1) / 2)]}/dir${i}`)
  return paths
}

/**
 * The fixture, cached in <dir>/smallfiles/: file-<i>.bin (flat, for nginx) and manifest.json with each
 * file's size, CRC-64 and place in the tree. Regenerated when the manifest is missing or does not match.
 */
async function ensureTree(dir) {
  const { crc64 } = await import('../../dist/crc64/crc64.js')
  const root = join(dir, 'smallfiles')
  const manifestPath = join(root, 'manifest.json')
  try {
    const m = JSON.parse(readFileSync(manifestPath, 'utf8'))
    if (m.files.length === SMALL_FILES && m.files.every((f) => statSync(join(root, f.name)).size === f.size))
      return { root, files: m.files.map((f) => ({ ...f, crc: BigInt(f.crc) })) }
  } catch {
    // missing or stale: generate
  }
  rmSync(root, { recursive: true, force: true })
  mkdirSync(root, { recursive: true })
  const folders = folderPaths()
  const files = []
  for (let i = 0; i < SMALL_FILES; i++) {
    const size = (MIN_KIB + ((i * 7919) % (MAX_KIB - MIN_KIB + 1))) * 1024
    const bytes = randomFillSync(Buffer.allocUnsafe(size))
    const name = `file-${i}.bin`
    writeFileSync(join(root, name), bytes)
    files.push({
      name,
      size,
      crc: crc64(bytes, 0n),
      folder: i % SMALL_FOLDERS,
      relPath: `${folders[i % SMALL_FOLDERS]}/${name}`,
    })
  }
  writeFileSync(manifestPath, JSON.stringify({ files: files.map((f) => ({ ...f, crc: f.crc.toString() })) }))
  return { root, files }
}

const countLines = (path) => {
  try {
    return readFileSync(path, 'utf8').split('\n').filter(Boolean).length
  } catch {
    return 0
  }
}

/**
 * The counts at the end of dtdl's --json (measure() keeps only the last 64 KiB of stdout, and the per-file
 * list of 1,000 files is longer than that; summary and counts come last).
 */
function tailCounts(text) {
  const m = /"summary":(\{[^}]*\}),"apiCalls":(\{[^}]*\}),"storageRequests":(\d+),"apiThrottled":(\d+)\}\s*$/.exec(text)
  if (!m) return null
  return {
    summary: JSON.parse(m[1]),
    apiCalls: JSON.parse(m[2]),
    storageRequests: Number(m[3]),
    apiThrottled: Number(m[4]),
  }
}

/** Files (and their bytes) under a directory, recursively. */
function tally(dir) {
  let files = 0
  let bytes = 0
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name))
      else if (!e.name.startsWith('.')) {
        files++
        bytes += statSync(join(d, e.name)).size
      }
    }
  }
  walk(dir)
  return { files, bytes }
}

/**
 * Runs the section; returns its summary. `ctx`: { say, note, meter, tools, benchDir, outDir, rounds, dtdl, childEnv }.
 */
export async function runSmallFiles(ctx) {
  const { say, note, meter, tools, benchDir, outDir, rounds, dtdl, childEnv } = ctx
  const { root, files } = await ensureTree(benchDir)
  const totalBytes = files.reduce((n, f) => n + f.size, 0)
  let nginx = null
  const emu = { instance: null }
  const configDir = mkdtempSync(join(tmpdir(), 'dtdl-bench-small-'))
  try {
    if (tools.nginx) {
      try {
        nginx = await startNginx({ nginx: tools.nginx, prefix: join(benchDir, 'nginx-small'), root, files })
      } catch (err) {
        note(`nginx failed to start, the emulator serves the bytes: ${err.message}`)
      }
    }
    const folders = folderPaths().map((p, i) => ({
      spaceId: SPACE,
      dentryId: `sd${i}`,
      name: `dir${i}`,
      parentId: i === 0 ? '0' : `sd${Math.floor((i - 1) / 2)}`,
    }))
    emu.instance = await startEmulator({
      quiet: true,
      folders: [
        { spaceId: SPACE, dentryId: 'small-root', name: 'small' },
        ...folders.map((f) => (f.parentId === '0' ? { ...f, parentId: 'small-root' } : f)),
      ],
      files: files.map((f, i) => ({
        spaceId: SPACE,
        dentryId: `sf${i}`,
        name: f.name,
        parentId: `sd${f.folder}`,
        path: join(root, f.name),
        crc64: f.crc,
        ...(nginx ? { resourceUrl: `${nginx.url}/${f.name}` } : {}),
      })),
    })
    const server = nginx ? 'nginx' : 'emulator'
    say(
      `  ${SMALL_FILES} files, ${(totalBytes / 1048576).toFixed(1)} MiB in ${SMALL_FOLDERS} nested folders; bytes from ${server}; dtdl -r -j ${JOBS} --api-qps 0 -q, aria2c -q -i -j ${JOBS}; best of ${rounds}`,
    )
    const env = {
      ...childEnv,
      DTDL_ENDPOINT: emu.instance.url,
      DTDL_CONFIG_DIR: configDir,
      DINGTALK_APP_KEY: DEMO.appKey,
      DINGTALK_APP_SECRET: DEMO.appSecret,
      DINGTALK_UNION_ID: DEMO.unionId,
    }
    const accessLog = nginx ? join(benchDir, 'nginx-small', 'logs', 'access.log') : null
    const storageSeen = () => (accessLog ? countLines(accessLog) : emu.instance.stats.resourceRequests.length)

    /** One dtdl mirror run into `out` (kept: the re-run needs it); its --json and what the servers saw. */
    const runDtdl = async (out, label) => {
      syncDisks()
      emu.instance.resetStats()
      const before = storageSeen()
      const r = await measure(
        meter,
        process.execPath,
        [dtdl, 'get', SPACE, 'small-root', '-r', '-o', out, '-j', String(JOBS), '--api-qps', '0', '--json', '--quiet'],
        { env },
      )
      const json = tailCounts(r.stdout)
      const ok = r.code === 0 && json !== null && json.summary.failed === 0
      return {
        ...r,
        ok,
        label,
        json,
        apiSeen: emu.instance.stats.apiRequests.length,
        storageSeen: storageSeen() - before,
        error: ok ? undefined : `exit ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`,
      }
    }
    const runAria2 = async (out) => {
      mkdirSync(out, { recursive: true })
      const list = join(outDir, 'small-aria2.txt')
      const base = nginx ? nginx.url : null
      if (!base) return null
      writeFileSync(list, files.map((f) => `${base}/${f.name}\n  out=small/${f.relPath}\n`).join(''))
      syncDisks()
      const r = await measure(
        meter,
        tools.aria2c,
        [
          '-i',
          list,
          '-j',
          String(JOBS),
          '-d',
          out,
          '--file-allocation=none',
          '--allow-overwrite=true',
          '--auto-file-renaming=false',
          '-q',
        ],
        { env: childEnv },
      )
      const got = tally(out)
      return {
        ...r,
        ok: r.code === 0 && got.files === SMALL_FILES && got.bytes === totalBytes,
        error: `exit ${r.code}, ${got.files} files`,
      }
    }

    // The floor: only the download-info call, the GET and the durable write per file (small-floor.mjs).
    const minted = await fetch(`${emu.instance.url}/v1.0/oauth2/accessToken`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appKey: DEMO.appKey, appSecret: DEMO.appSecret }),
    }).then((r) => r.json())
    const floorList = join(outDir, 'small-floor.json')
    writeFileSync(floorList, JSON.stringify(files.map((f, i) => ({ dentryId: `sf${i}`, relPath: f.relPath }))))
    const runFloor = async (out) => {
      syncDisks()
      const r = await measure(
        meter,
        process.execPath,
        [
          join(import.meta.dirname, 'small-floor.mjs'),
          emu.instance.url,
          minted.accessToken,
          DEMO.unionId,
          SPACE,
          floorList,
          out,
          String(JOBS),
        ],
        { env: childEnv },
      )
      const got = r.code === 0 ? tally(out) : { files: 0, bytes: 0 }
      return {
        ...r,
        ok: r.code === 0 && got.files === SMALL_FILES && got.bytes === totalBytes,
        error: `exit ${r.code}: ${r.stderr.trim().split('\n').slice(-1)[0] ?? ''}`,
      }
    }
    const first = []
    const again = []
    const aria = []
    const floor = []
    // Every run writes into a directory of its own, and all of them go at the end. Deleting the last run's
    // 1,000 files before each run made this machine's disk slower run after run (aria2c 1.06 s, then 1.19,
    // 1.45, 1.48, 1.58, 1.69 s; into fresh directories it held at 0.92-1.09 s), so the rounds compared
    // whatever state the deletions had left rather than the two tools.
    const outputs = (i) => ({
      dtdl: join(outDir, `small-dtdl-${i}`),
      aria2c: join(outDir, `small-aria2-${i}`),
      floor: join(outDir, `small-floor-${i}`),
    })
    const removeOutputs = () => {
      for (let i = 0; i < rounds; i++)
        for (const d of Object.values(outputs(i))) rmSync(d, { recursive: true, force: true })
    }
    removeOutputs()
    for (let i = 0; i < rounds; i++) {
      const out = outputs(i)
      const order = i % 2 === 0 ? ['dtdl', 'aria2c'] : ['aria2c', 'dtdl']
      for (const who of order) {
        if (who === 'dtdl') {
          first.push(await runDtdl(out.dtdl, 'first'))
          again.push(await runDtdl(out.dtdl, 'no-op re-run'))
        } else if (tools.aria2c && nginx) {
          aria.push(await runAria2(out.aria2c))
        }
      }
      if (nginx) floor.push(await runFloor(out.floor))
      note(
        `smallfiles round ${i + 1}/${rounds}: dtdl first ${fmt(first.at(-1).wallS)} s${first.at(-1).ok ? '' : ` FAILED (${first.at(-1).error})`}, re-run ${fmt(again.at(-1).wallS)} s${again.at(-1).ok ? '' : ' FAILED'}${aria.length ? `, aria2c ${fmt(aria.at(-1).wallS)} s${aria.at(-1).ok ? '' : ` FAILED (${aria.at(-1).error})`}` : ''}${floor.length ? `, node floor ${fmt(floor.at(-1).wallS)} s${floor.at(-1).ok ? '' : ` FAILED (${floor.at(-1).error})`}` : ''}`,
      )
    }
    removeOutputs()

    const bestOf = (runs) => runs.filter((r) => r.ok).reduce((b, r) => (b === null || r.wallS < b.wallS ? r : b), null)
    const describe = (r) =>
      r && {
        wallS: round(r.wallS, 3),
        filesPerSecond: round(SMALL_FILES / r.wallS, 1),
        apiCallsPerFile: r.json ? round(r.json.apiCalls.total / SMALL_FILES, 3) : null,
        storageRequestsPerFile: r.json ? round(r.json.storageRequests / SMALL_FILES, 3) : null,
        apiCalls: r.json?.apiCalls ?? null,
        storageRequests: r.json?.storageRequests ?? null,
        serversSaw: { api: r.apiSeen, storage: r.storageSeen },
        cpuS: round(r.cpuS, 2),
        peakRssMiB: r.maxRssKiB === null ? null : round(r.maxRssKiB / 1024, 1),
      }
    const f = describe(bestOf(first))
    const a = describe(bestOf(again))
    const x = bestOf(aria)
    const fl = bestOf(floor)
    const ar = x && {
      wallS: round(x.wallS, 3),
      filesPerSecond: round(SMALL_FILES / x.wallS, 1),
      cpuS: round(x.cpuS, 2),
      peakRssMiB: x.maxRssKiB === null ? null : round(x.maxRssKiB / 1024, 1),
    }
    const row = (name, s) =>
      s
        ? [
            name,
            fmt(s.wallS, 2),
            fmt(s.filesPerSecond, 0),
            fmt(s.apiCallsPerFile, 3),
            fmt(s.storageRequestsPerFile, 3),
            s.serversSaw ? `${s.serversSaw.api} / ${s.serversSaw.storage}` : '',
            fmt(s.cpuS, 2),
            fmt(s.peakRssMiB, 1),
          ]
        : [name, 'failed', '', '', '', '', '', '']
    say(
      table(
        [
          '',
          'wall s (best)',
          'files/s',
          'API calls/file',
          'storage req./file',
          'servers saw (API / storage)',
          'CPU s',
          'peak RSS MiB',
        ],
        [
          row(`dtdl -r -j ${JOBS}, first run`, f),
          row(`dtdl -r -j ${JOBS}, no-op re-run`, a),
          ...(fl
            ? [
                [
                  `node floor: info + GET + write, -j ${JOBS} (info)`,
                  fmt(fl.wallS, 2),
                  fmt(SMALL_FILES / fl.wallS, 0),
                  '1',
                  '1.000',
                  '',
                  fmt(fl.cpuS, 2),
                  fl.maxRssKiB === null ? '' : fmt(fl.maxRssKiB / 1024, 1),
                ],
              ]
            : []),
          ...(tools.aria2c && nginx
            ? [
                [
                  `aria2c -i -j ${JOBS} (no API)`,
                  fmt(ar?.wallS, 2),
                  fmt(ar?.filesPerSecond, 0),
                  '0',
                  '1.000',
                  '',
                  fmt(ar?.cpuS, 2),
                  fmt(ar?.peakRssMiB, 1),
                ],
              ]
            : [
                [
                  'aria2c',
                  `skipped: ${tools.aria2c ? 'nginx did not start' : 'aria2c not installed'}`,
                  '',
                  '',
                  '',
                  '',
                  '',
                  '',
                ],
              ]),
        ],
      ),
    )
    note(
      '("node floor" = test/bench/small-floor.mjs: per file only the download-info call, the GET, write, fsync and rename, with',
    )
    note(' undici, 16 at a time: no claim, checks, CRC, state or retries; what Node itself costs for the same work)')
    note(
      '(wall time of the whole process, start-up, token mint, listing and per-file download info included; with the default',
    )
    note(
      ` --api-qps 20 the ${SMALL_FILES} download-info calls alone take at least ${SMALL_FILES / 20} s: that is DingTalk's budget, not the engine)`,
    )
    const ratio = f && ar ? f.wallS / ar.wallS : null
    // The same comparison round by round (each round runs both, back to back): the median of those ratios.
    const pairs = first
      .map((r, i) => (r.ok && aria[i]?.ok ? r.wallS / aria[i].wallS : null))
      .filter((x) => x !== null)
      .sort((x, y) => x - y)
    const pairedMedian = pairs.length > 0 ? pairs[Math.floor(pairs.length / 2)] : null
    const storageOk = f ? f.storageRequestsPerFile <= STORAGE_GOAL : null
    say(
      `  storage requests per file, first run  ${fmt(f?.storageRequestsPerFile, 3).padStart(7)}   goal <= ${STORAGE_GOAL}     ${verdict(storageOk)}`,
    )
    say(
      `  dtdl first run / aria2c wall time     ${fmt(ratio, 2, 'x').padStart(7)}   goal <= ${TIME_GOAL}x     ${ar ? verdict(ratio === null ? null : ratio <= TIME_GOAL) : 'skipped'}   (best of each)`,
    )
    if (pairs.length > 0)
      note(
        `  the same, round by round: median ${fmt(pairedMedian, 2, 'x')} of ${pairs.map((x) => fmt(x, 2)).join(', ')}`,
      )
    return {
      summary: {
        files: SMALL_FILES,
        folders: SMALL_FOLDERS,
        bytes: totalBytes,
        jobs: JOBS,
        server,
        first: f,
        rerun: a,
        aria2c: ar,
        nodeFloor: fl && { wallS: round(fl.wallS, 3), cpuS: round(fl.cpuS, 2) },
        ratioFirstRunToAria2c: round(ratio, 3),
        pairedMedianRatio: round(pairedMedian, 3),
      },
      goals: {
        smallFilesStorageRequests: verdict(storageOk),
        smallFilesVsAria2c: ar ? verdict(ratio === null ? null : ratio <= TIME_GOAL) : 'skipped',
      },
    }
  } finally {
    await nginx?.stop().catch(() => {})
    await emu.instance?.close().catch(() => {})
    rmSync(configDir, { recursive: true, force: true })
  }
}
