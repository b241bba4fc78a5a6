// `npm run bench`: dtdl as a real child process against aria2c and curl, on the project's emulator (and nginx).
//   1. parallel:   512 MiB, 40 MB/s per connection, dtdl -c 8 vs aria2c -x8 -s8 (medians)
//   2. single:     2 GiB, unthrottled (nginx, else the emulator), dtdl -c 1 vs curl (best of N), CPU s/GiB,
//                  and the floor under it: the same GET read and discarded by undici (and by node:http)
//   3. memory:     dtdl -c 8 peak RSS on the 512 MiB vs the 2 GiB file
//   4. start-up:   dtdl --help / --version vs `node -e 0`
//   5. CRC-64:     test/bench/crc64-bench.mjs throughput vs the single-connection download rate
//   6. smallfiles: 1,000 files of 16-64 KiB in 20 nested folders, dtdl -r (first run, no-op re-run) vs
//                  aria2c -i -j 16 from nginx: files/s, API calls and storage requests per file (smallfiles.mjs);
//                  run first, before the big files' writes and deletes (see there)
//   7. longpath:   256 MiB, every request 60 ms late, 4 MB/s per connection: dtdl's found count vs -c 16 vs
//                  aria2c -x16 -s16, and -c 8's peak RSS (paths.mjs); run after section 3
//   8. bottleneck: 256 MiB, 32 MB/s shared by all connections: dtdl's found count vs -c 4 (paths.mjs)
// Env: BENCH_ROUNDS (default 3), BENCH_BIG_MIB (default 2048), BENCH_QUICK=1 (128 MiB / 512 MiB, 1 round),
// BENCH_SKIP=aria2c,nginx,curl (act as if those were not installed: tests the fallbacks).
// Tables on stdout, one JSON summary as the last line, also saved to .bench/results.json. Cached inputs
// (big-<MiB>.bin + .crc) and outputs (.bench/out/) live in .bench/, which git ignores.
// Missing aria2c, nginx or curl is reported as "skipped: ... not installed"; the rest still runs.
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  GiB,
  MiB,
  detectMeter,
  ensureDataFile,
  findExecutable,
  fmt,
  liveChildren,
  maximum,
  measure,
  median,
  minimum,
  removeOutput,
  round,
  syncDisks,
  table,
  timeSpawn,
  toolVersion,
  verdict,
  warmPageCache,
} from './lib.mjs'
import { startNginx } from './nginx.mjs'
import { runSmallFiles } from './smallfiles.mjs'
import { runLongPath, runSharedBottleneck } from './paths.mjs'
import { DEMO, startEmulator } from '../../dist/emulator/index.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BENCH_DIR = join(ROOT, '.bench')
const OUT_DIR = join(BENCH_DIR, 'out')
const DTDL = join(ROOT, 'bin/dtdl.js')
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))

const envInt = (name) => {
  const v = process.env[name]
  if (v === undefined || v === '') return undefined
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new Error(`${name} must be a positive integer, not ${JSON.stringify(v)}`)
  return Number(v)
}
const QUICK = /^(1|true|yes)$/i.test(process.env.BENCH_QUICK ?? '')
const ROUNDS = envInt('BENCH_ROUNDS') ?? (QUICK ? 1 : 3)
const PAR_MIB = QUICK ? 128 : 512
const PATH_MIB = QUICK ? 64 : 256 // sections 7 and 8
const BIG_MIB = envInt('BENCH_BIG_MIB') ?? (QUICK ? 512 : 2048)
const RATE = 40_000_000 // bytes/s per connection (section 1)
const CONNECTIONS = 8
const BOUND = RATE * CONNECTIONS
const STARTUP_RUNS = QUICK ? 3 : 10
const CRC_MIB = QUICK ? 64 : 512
const RSS_GOAL_MIB = 100
const STARTUP_GOAL_MS = 150
const CRC_GOAL_RATIO = 2 // "well above 1": CRC at least twice as fast as the line

const SPACE = DEMO.spaceId
const say = (line = '') => process.stdout.write(`${line}\n`)
const note = (line) => process.stdout.write(`  ${line}\n`)
const toMiB = (kib) => (kib === null ? null : kib / 1024)
const MB = 1e6

/** Env for every child: loopback never goes through a proxy someone has set. */
const childEnv = { ...process.env, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' }

const state = { emulator: null, nginx: null, configDir: null }

async function main() {
  const started = performance.now()
  mkdirSync(OUT_DIR, { recursive: true })
  const meter = detectMeter()
  const skip = new Set(
    (process.env.BENCH_SKIP ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  const tools = {
    aria2c: findExecutable('aria2c'),
    curl: findExecutable('curl'),
    // sbin is not on a normal user's PATH.
    nginx:
      findExecutable('nginx') ??
      ['/usr/sbin/nginx', '/usr/local/sbin/nginx'].find((p) => statSafe(p)?.isFile()) ??
      null,
  }
  for (const name of skip) if (name in tools) tools[name] = null
  const versions = {
    aria2c: toolVersion(tools.aria2c),
    curl: toolVersion(tools.curl),
    nginx: toolVersion(tools.nginx, '-v'),
  }
  say(
    `dtdl ${pkg.version} benchmark${QUICK ? ' (BENCH_QUICK)' : ''}: node ${process.version}, ${cpus().length} CPU (${cpus()[0]?.model?.trim() ?? '?'}), ${(totalmem() / GiB).toFixed(1)} GiB RAM`,
  )
  say(`rounds ${ROUNDS}; parallel file ${PAR_MIB} MiB; big file ${BIG_MIB} MiB; meter: ${describeMeter(meter)}`)
  // Other work on the machine skews every figure: show how busy it was.
  const loadAtStart = loadavg().map((x) => round(x, 2))
  say(`load average at start: ${loadAtStart.join(' ')}`)
  for (const [name, path] of Object.entries(tools))
    say(`  ${name.padEnd(6)} ${path ? `${versions[name]} (${path})` : `skipped: ${name} not installed`}`)

  // Fixtures: random bytes, cached with their CRC-64 (only when a section that reads them runs).
  const needBig = ['parallel', 'single', 'memory'].some(wanted)
  const par = needBig ? await ensureDataFile(BENCH_DIR, PAR_MIB) : null
  const big = !needBig ? null : BIG_MIB === PAR_MIB ? par : await ensureDataFile(BENCH_DIR, BIG_MIB)
  const needPath = ['longpath', 'bottleneck'].some(wanted)
  const pathFile = needPath ? await ensureDataFile(BENCH_DIR, PATH_MIB) : null
  for (const f of [...(needBig ? [par, big] : []), ...(needPath ? [pathFile] : [])]) {
    if (f.generated) say(`  generated ${f.name} in ${f.seconds.toFixed(1)} s (crc64 ${f.crc})`)
    else await warmPageCache(f.path)
  }

  // Servers: the emulator always (API, and the throttled resource URLs); nginx for unthrottled bytes.
  state.emulator = await startEmulator({
    quiet: true,
    files: [
      { spaceId: SPACE, dentryId: 'warm', name: 'warm.bin', size: 4 * MiB },
      ...(needBig
        ? [
            { spaceId: SPACE, dentryId: 'par', name: par.name, path: par.path, crc64: par.crc },
            { spaceId: SPACE, dentryId: 'big', name: big.name, path: big.path, crc64: big.crc },
          ]
        : []),
      ...(needPath
        ? [{ spaceId: SPACE, dentryId: 'path', name: pathFile.name, path: pathFile.path, crc64: pathFile.crc }]
        : []),
    ],
  })
  const emu = state.emulator
  let server = 'emulator'
  if (tools.nginx && needBig) {
    try {
      const files = [par, big].filter((f, i, all) => all.indexOf(f) === i)
      state.nginx = await startNginx({
        nginx: tools.nginx,
        prefix: join(BENCH_DIR, 'nginx'),
        root: dirname(big.path),
        files,
      })
      emu.addFile({
        spaceId: SPACE,
        dentryId: 'big-nginx',
        name: big.name,
        path: big.path,
        crc64: big.crc,
        resourceUrl: `${state.nginx.url}/${big.name}`,
      })
      emu.addFile({
        spaceId: SPACE,
        dentryId: 'par-nginx',
        name: par.name,
        path: par.path,
        crc64: par.crc,
        resourceUrl: `${state.nginx.url}/${par.name}`,
      })
      server = 'nginx'
    } catch (err) {
      say(`  nginx failed to start, the emulator serves everything: ${err.message}`)
    }
  }
  const bigDentry = server === 'nginx' ? 'big-nginx' : 'big'
  const parUnthrottled = server === 'nginx' ? 'par-nginx' : 'par'
  say(`emulator ${emu.url}; unthrottled bytes from ${server}${state.nginx ? ` ${state.nginx.url}` : ''}`)

  state.configDir = mkdtempSync(join(tmpdir(), 'dtdl-bench-config-'))
  const dtdlEnv = {
    ...childEnv,
    DTDL_ENDPOINT: emu.url,
    DTDL_CONFIG_DIR: state.configDir,
    DINGTALK_APP_KEY: DEMO.appKey,
    DINGTALK_APP_SECRET: DEMO.appSecret,
    DINGTALK_UNION_ID: DEMO.unionId,
  }

  /** One dtdl download, measured; the output is removed before and after. `connections` undefined: found by dtdl. */
  async function runDtdl(dentryId, size, connections, label) {
    const output = join(OUT_DIR, `${label}.bin`)
    removeOutput(output)
    syncDisks()
    const cpu0 = process.cpuUsage()
    const count = connections === undefined ? [] : ['-c', String(connections)]
    const r = await measure(meter, process.execPath, [DTDL, 'get', SPACE, dentryId, '-o', output, ...count, '--json'], {
      env: dtdlEnv,
      cwd: ROOT,
    })
    r.benchCpuS = cpuSeconds(process.cpuUsage(cpu0))
    removeOutput(output)
    const json = lastJson(r.stdout)
    const ok =
      r.code === 0 &&
      json?.ok === true &&
      json.bytes === size &&
      Array.isArray(json.checked) &&
      json.checked.includes('crc64')
    const error = ok
      ? undefined
      : `exit ${r.code ?? r.signal}: ${(json?.error?.message ?? r.stderr.trim().split('\n').slice(-3).join(' | ')) || 'no output'}`
    return { ...r, ok, error, json, engineS: json?.durationMs ? json.durationMs / 1000 : null }
  }

  /** Signed URL and headers for aria2c / curl, from the emulator's download-info API (outside the timing). */
  async function downloadInfo(dentryId, attempt = 1) {
    // fetch() may reuse a keep-alive connection the emulator is just closing after its idle timeout (the
    // download before took seconds): that race is the harness's, so it gets one retry on a new request.
    const res = await fetch(
      `${emu.url}/v1.0/storage/spaces/${encodeURIComponent(SPACE)}/dentries/${encodeURIComponent(dentryId)}/downloadInfos/query?unionId=${encodeURIComponent(DEMO.unionId)}`,
      {
        method: 'POST',
        headers: { 'x-acs-dingtalk-access-token': DEMO.accessToken, 'Content-Type': 'application/json' },
        body: JSON.stringify({ option: {} }),
      },
    ).catch((err) => {
      if (attempt > 1) throw err
      return null
    })
    if (res === null) return downloadInfo(dentryId, attempt + 1)
    const body = await res.json()
    if (!res.ok || !body.headerSignatureInfo)
      throw new Error(`download info: HTTP ${res.status} ${JSON.stringify(body)}`)
    return { url: body.headerSignatureInfo.resourceUrls[0], headers: body.headerSignatureInfo.headers }
  }

  async function runAria2(dentryId, size, label, connections = 8) {
    const output = join(OUT_DIR, `${label}.bin`)
    removeOutput(output)
    syncDisks()
    const info = await downloadInfo(dentryId)
    const headerArgs = Object.entries(info.headers).flatMap(([k, v]) => ['--header', `${k}: ${v}`])
    const args = [
      `-x${connections}`,
      `-s${connections}`,
      '-k1M',
      '--file-allocation=none',
      '--allow-overwrite=true',
      '-q',
      ...headerArgs,
      '-d',
      dirname(output),
      '-o',
      basename(output),
      info.url,
    ]
    const cpu0 = process.cpuUsage()
    const r = await measure(meter, tools.aria2c, args, { env: childEnv })
    r.benchCpuS = cpuSeconds(process.cpuUsage(cpu0))
    const got = statSafe(output)?.size
    removeOutput(output)
    const ok = r.code === 0 && got === size
    return {
      ...r,
      ok,
      error: ok
        ? undefined
        : `exit ${r.code ?? r.signal}, ${got ?? 'no'} bytes: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`,
    }
  }

  async function runCurl(dentryId, size, label) {
    const output = join(OUT_DIR, `${label}.bin`)
    removeOutput(output)
    syncDisks()
    const info = await downloadInfo(dentryId)
    const headerArgs = Object.entries(info.headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`])
    const r = await measure(meter, tools.curl, ['-s', '-o', output, '-w', '%{time_total}', ...headerArgs, info.url], {
      env: childEnv,
    })
    const got = statSafe(output)?.size
    // What dtdl also pays and curl does not: making the bytes durable (dtdl fsyncs before its rename).
    let fsyncS = null
    if (got === size) {
      const t0 = performance.now()
      const s = spawnSync('sync', [output], { stdio: 'ignore' })
      if (s.status === 0) fsyncS = (performance.now() - t0) / 1000
    }
    removeOutput(output)
    const ok = r.code === 0 && got === size
    return {
      ...r,
      ok,
      fsyncS,
      error: ok
        ? undefined
        : `exit ${r.code ?? r.signal}, ${got ?? 'no'} bytes: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`,
    }
  }

  /** The same GET, bytes discarded (test/bench/read-floor.mjs): what undici alone, or node:http, costs. */
  async function runFloor(client, dentryId, size) {
    const info = await downloadInfo(dentryId)
    const r = await measure(
      meter,
      process.execPath,
      [join(ROOT, 'test/bench/read-floor.mjs'), client, info.url, JSON.stringify(info.headers)],
      { env: childEnv, cwd: ROOT },
    )
    const json = lastJson(r.stdout)
    const ok = r.code === 0 && json?.bytes === size
    return {
      ...r,
      ok,
      error: ok
        ? undefined
        : `exit ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-3).join(' | ') || 'no output'}`,
    }
  }

  const logRound = (section, i, results) =>
    note(
      `${section} round ${i + 1}/${ROUNDS}: ${results.map(([name, r]) => (r ? (r.ok ? `${name} ${r.wallS.toFixed(2)} s` : `${name} FAILED (${r.error})`) : `${name} skipped`)).join(', ')}`,
    )

  // Warm-up: mints and caches the token (every measured run then uses the cached one, as a user's would),
  // and loads dtdl's modules into the page cache.
  const warm = await runDtdl('warm', 4 * MiB, 4, 'warm')
  if (!warm.ok) throw new Error(`warm-up download failed: ${warm.error}`)

  // Node's own floor, for the RSS and start-up figures.
  const floorRuns = []
  for (let i = 0; i < 3; i++) floorRuns.push(await measure(meter, process.execPath, ['-e', '0'], { env: childEnv }))
  const nodeFloorMiB = toMiB(median(floorRuns.map((r) => r.maxRssKiB)))

  const summary = {
    bench: 'dtdl',
    version: pkg.version,
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    quick: QUICK,
    rounds: ROUNDS,
    meter: meter.kind,
    tools: versions,
    server,
    loadAverage: { start: loadAtStart, end: null },
    nodeFloorRssMiB: round(nodeFloorMiB, 1),
    parallel: null,
    single: null,
    memory: null,
    startup: null,
    crc64: null,
    smallfiles: null,
    longpath: null,
    bottleneck: null,
    goals: {},
  }

  // ---- 6. Many small files ------------------------------------------------------------------------------
  // Run first, before the big-file sections write and delete some 20 GiB: on this VM's ext4 (mounted with
  // discard) the disk stays slow for minutes after that, and the 1,000 fsyncs and renames of this section
  // measured the aftermath more than the tools (the node floor 1.3-1.9 s instead of 0.9-1.0 s; aria2c, which
  // does not fsync, slowed less than the two that do).
  if (wanted('smallfiles')) {
    say()
    say(`== 6. Many small files: a 1,000-file tree mirrored with dtdl -r vs aria2c -i (no API at all) ==`)
  }
  await section('smallfiles', summary, async () => {
    // At least five rounds unless BENCH_ROUNDS says otherwise: a round takes about 3 s, and on a shared VM
    // three were too few to tell the two tools apart (one run's ratios ranged from 1.27x to 1.69x).
    const rounds = envInt('BENCH_ROUNDS') ?? (QUICK ? 1 : Math.max(5, ROUNDS))
    const r = await runSmallFiles({
      say,
      note,
      meter,
      tools,
      benchDir: BENCH_DIR,
      outDir: OUT_DIR,
      rounds,
      dtdl: DTDL,
      childEnv,
    })
    summary.smallfiles = r.summary
    Object.assign(summary.goals, r.goals)
  })

  // ---- 1. Parallel ----------------------------------------------------------------------------------------
  say()
  say(
    `== 1. Parallel: ${PAR_MIB} MiB, emulator capped at ${RATE / MB} MB/s per connection, ${CONNECTIONS} connections (bound ${BOUND / MB} MB/s) ==`,
  )
  await section('parallel', summary, async () => {
    emu.setFaults({ bytesPerSecondPerConnection: RATE })
    const d = []
    const a = []
    for (let i = 0; i < ROUNDS; i++) {
      const order = i % 2 === 0 ? ['dtdl', 'aria2c'] : ['aria2c', 'dtdl']
      const got = {}
      for (const who of order) {
        if (who === 'dtdl') d.push((got.dtdl = await runDtdl('par', par.size, CONNECTIONS, 'parallel-dtdl')))
        else if (tools.aria2c) a.push((got.aria2c = await runAria2('par', par.size, 'parallel-aria2c')))
      }
      logRound('parallel', i, [
        ['dtdl', got.dtdl],
        ['aria2c', got.aria2c],
      ])
    }
    emu.setFaults({})
    const ds = stats(d, par.size)
    const as = tools.aria2c ? stats(a, par.size) : null
    const ratio = as?.mbps ? ds.mbps / as.mbps : null
    const ofBound = ds.mbps === null ? null : ds.mbps / (BOUND / MB)
    say(
      table(
        [
          '',
          'wall s (median)',
          'MB/s',
          'dtdl engine MB/s',
          'CPU s (median)',
          'peak RSS MiB (max)',
          'emulator CPU s',
          'ok rounds',
        ],
        [
          [
            'dtdl -c 8',
            fmt(ds.wallS),
            fmt(ds.mbps, 1),
            fmt(ds.engineMbps, 1),
            fmt(ds.cpuS),
            fmt(ds.peakRssMiB, 1),
            fmt(ds.benchCpuS),
            `${ds.okRounds}/${ROUNDS}`,
          ],
          tools.aria2c
            ? [
                'aria2c -x8 -s8',
                fmt(as.wallS),
                fmt(as.mbps, 1),
                '',
                fmt(as.cpuS),
                fmt(as.peakRssMiB, 1),
                fmt(as.benchCpuS),
                `${as.okRounds}/${ROUNDS}`,
              ]
            : ['aria2c', 'skipped: aria2c not installed', '', '', '', '', '', ''],
        ],
      ),
    )
    note(
      `(MB/s = ${PAR_MIB} MiB / wall time of the whole process, node start-up and dtdl's download-info call included (aria2c gets its`,
    )
    note(
      ` signed URL before its clock starts); "engine" = dtdl's own --json durationMs; node -e 0 RSS floor ${fmt(nodeFloorMiB, 1)} MiB;`,
    )
    note(
      ` "emulator CPU s" = this process's CPU during the run (the in-process emulator serving and throttling), median)`,
    )
    const g1 = ratio === null ? null : ratio >= 1
    const g2 = ofBound === null ? null : ofBound >= 0.9
    const g3 = ds.peakRssMiB === null ? null : ds.peakRssMiB < RSS_GOAL_MIB
    say(
      `  dtdl/aria2c throughput  ${fmt(ratio, 3, 'x').padStart(8)}   goal >= 1.0        ${tools.aria2c ? verdict(g1) : 'skipped: aria2c not installed'}`,
    )
    say(
      `  dtdl % of ${BOUND / MB} MB/s bound ${fmt(ofBound === null ? null : ofBound * 100, 1, '%').padStart(8)}   goal >= 90%        ${verdict(g2)}`,
    )
    say(
      `  dtdl peak RSS           ${fmt(ds.peakRssMiB, 1, ' MiB').padStart(8)}   goal < ${RSS_GOAL_MIB} MiB     ${verdict(g3)}`,
    )
    summary.parallel = {
      fileMiB: PAR_MIB,
      rateBytesPerSecondPerConnection: RATE,
      connections: CONNECTIONS,
      boundMBps: BOUND / MB,
      dtdl: ds,
      aria2c: as,
      ratioDtdlToAria2c: round(ratio, 3),
      percentOfBound: round(ofBound === null ? null : ofBound * 100, 1),
    }
    Object.assign(summary.goals, {
      parallelVsAria2c: tools.aria2c ? verdict(g1) : 'skipped',
      parallel90PercentOfBound: verdict(g2),
      parallelPeakRss: verdict(g3),
    })
  })

  // ---- 2. One connection, unthrottled --------------------------------------------------------------------
  say()
  say(`== 2. One connection, unthrottled: ${BIG_MIB} MiB from ${server}, CRC-64 verified by dtdl; best of ${ROUNDS} ==`)
  await section('single', summary, async () => {
    const d = []
    const c = []
    const fu = []
    const fh = []
    for (let i = 0; i < ROUNDS; i++) {
      const order = i % 2 === 0 ? ['curl', 'dtdl'] : ['dtdl', 'curl']
      const got = {}
      for (const who of order) {
        if (who === 'dtdl') d.push((got.dtdl = await runDtdl(bigDentry, big.size, 1, 'single-dtdl')))
        else if (tools.curl) c.push((got.curl = await runCurl(bigDentry, big.size, 'single-curl')))
      }
      fu.push((got.undici = await runFloor('undici', bigDentry, big.size)))
      fh.push((got.http = await runFloor('http', bigDentry, big.size)))
      logRound('single', i, [
        ['curl', got.curl],
        ['dtdl', got.dtdl],
        ['undici read-only', got.undici],
        ['node:http read-only', got.http],
      ])
    }
    const ds = best(d, big.size)
    const cs = tools.curl ? best(c, big.size) : null
    const us = best(fu, big.size)
    const hs = best(fh, big.size)
    const fsyncS = tools.curl ? median(c.filter((r) => r.ok).map((r) => r.fsyncS)) : null
    const ratio = cs?.wallS ? ds.wallS / cs.wallS : null
    const row = (name, s) => [
      name,
      fmt(s.wallS, 3),
      fmt(s.gbps, 3),
      fmt(s.cpuPerGiB, 3),
      fmt(s.userS, 2),
      fmt(s.sysS, 2),
      fmt(s.peakRssMiB, 1),
      `${s.okRounds}/${ROUNDS}`,
    ]
    say(
      table(
        ['', 'wall s (best)', 'GB/s', 'CPU s/GiB', 'user s', 'sys s', 'peak RSS MiB', 'ok rounds'],
        [
          tools.curl ? row('curl', cs) : ['curl', 'skipped: curl not installed', '', '', '', '', '', ''],
          row('dtdl -c 1', ds),
          ...(tools.curl
            ? [
                [
                  'curl + fsync (info)',
                  fmt(cs.wallS !== null && fsyncS !== null ? cs.wallS + fsyncS : null, 3),
                  '',
                  '',
                  '',
                  '',
                  '',
                  '',
                ],
              ]
            : []),
          row('undici read-only (floor)', us),
          row('node:http read-only (info)', hs),
        ],
      ),
    )
    note(
      '("read-only" = test/bench/read-floor.mjs: the same GET with bytes thrown away, no CRC, no disk. The undici row is the floor',
    )
    note(" under dtdl, which reads with undici; node:http shows what Node's own client costs for the same bytes.)")
    note(
      `(CPU, RSS: the best-wall round's, from ${describeMeter(meter)}; dtdl includes its CRC-64 and its fsync before the rename, curl neither;`,
    )
    if (tools.curl)
      note(
        ` "curl + fsync" adds the median time of \`sync <file>\` after curl, ${fmt(fsyncS, 2)} s, for a like-for-like durable write;`,
      )
    note(` dtdl engine time (--json durationMs) ${fmt(ds.engineS, 3)} s)`)
    const g = ratio === null ? null : ratio <= 1
    say(
      `  dtdl/curl wall time     ${fmt(ratio, 3, 'x').padStart(8)}   goal <= 1.0        ${tools.curl ? verdict(g) : 'skipped: curl not installed'}`,
    )
    say(
      `  undici floor/curl       ${fmt(cs?.wallS && us.wallS ? us.wallS / cs.wallS : null, 3, 'x').padStart(8)}   (info: reading alone, before any CRC or write)`,
    )
    say(
      `  dtdl/undici floor       ${fmt(us.wallS ? ds.wallS / us.wallS : null, 3, 'x').padStart(8)}   (info: what dtdl's CRC, writes and fsync add)`,
    )
    summary.single = {
      fileMiB: BIG_MIB,
      server,
      dtdl: ds,
      curl: cs,
      undiciReadOnly: us,
      nodeHttpReadOnly: hs,
      curlFsyncS: round(fsyncS, 3),
      ratioWallDtdlToCurl: round(ratio, 3),
      ratioWallUndiciFloorToCurl: round(cs?.wallS && us.wallS ? us.wallS / cs.wallS : null, 3),
    }
    summary.goals.singleVsCurl = tools.curl ? verdict(g) : 'skipped'
  })

  // ---- 3. Memory flatness --------------------------------------------------------------------------------
  say()
  say(
    `== 3. Memory: dtdl -c ${CONNECTIONS} peak RSS, ${PAR_MIB} MiB vs ${BIG_MIB} MiB, unthrottled from ${server}; max of ${ROUNDS} ==`,
  )
  await section('memory', summary, async () => {
    const small = []
    const large = []
    for (let i = 0; i < ROUNDS; i++) {
      const got = {}
      got.small = await runDtdl(parUnthrottled, par.size, CONNECTIONS, 'memory-small')
      small.push(got.small)
      got.large = await runDtdl(bigDentry, big.size, CONNECTIONS, 'memory-large')
      large.push(got.large)
      logRound('memory', i, [
        [`${PAR_MIB} MiB`, got.small],
        [`${BIG_MIB} MiB`, got.large],
      ])
    }
    const ss = stats(small, par.size)
    const ls = stats(large, big.size)
    const ratio = ss.peakRssMiB && ls.peakRssMiB ? ls.peakRssMiB / ss.peakRssMiB : null
    say(
      table(
        ['', 'peak RSS MiB (max)', 'peak RSS MiB (median)', 'wall s (median)', 'MB/s', 'CPU s (median)', 'ok rounds'],
        [
          [
            `dtdl -c ${CONNECTIONS}, ${PAR_MIB} MiB`,
            fmt(ss.peakRssMiB, 1),
            fmt(ss.medianRssMiB, 1),
            fmt(ss.wallS),
            fmt(ss.mbps, 1),
            fmt(ss.cpuS),
            `${ss.okRounds}/${ROUNDS}`,
          ],
          [
            `dtdl -c ${CONNECTIONS}, ${BIG_MIB} MiB`,
            fmt(ls.peakRssMiB, 1),
            fmt(ls.medianRssMiB, 1),
            fmt(ls.wallS),
            fmt(ls.mbps, 1),
            fmt(ls.cpuS),
            `${ls.okRounds}/${ROUNDS}`,
          ],
          ['node -e 0 (floor)', fmt(nodeFloorMiB, 1), '', '', '', '', ''],
          ...(summary.single?.undiciReadOnly
            ? [
                [
                  'undici read-only, 1 connection (section 2)',
                  fmt(summary.single.undiciReadOnly.peakRssMiB, 1),
                  '',
                  '',
                  '',
                  '',
                  '',
                ],
              ]
            : []),
        ],
      ),
    )
    const bounded =
      ss.peakRssMiB !== null && ls.peakRssMiB !== null
        ? ss.peakRssMiB <= RSS_GOAL_MIB && ls.peakRssMiB <= RSS_GOAL_MIB
        : null
    const flat = ratio === null ? null : Math.max(ratio, 1 / ratio) <= 1.1
    say(
      `  ${BIG_MIB} MiB / ${PAR_MIB} MiB RSS     ${fmt(ratio, 3, 'x').padStart(8)}   goal within 10%    ${verdict(flat)}`,
    )
    say(`  both <= ${RSS_GOAL_MIB} MiB                         goal               ${verdict(bounded)}`)
    summary.memory = {
      server,
      small: { fileMiB: PAR_MIB, ...ss },
      large: { fileMiB: BIG_MIB, ...ls },
      ratioLargeToSmall: round(ratio, 3),
    }
    Object.assign(summary.goals, { memoryFlat: verdict(flat), memoryBounded: verdict(bounded) })
  })

  // ---- 7. and 8. The paths where the connection count is found (paths.mjs) -------------------------------
  const pathCtx = {
    say,
    note,
    emu,
    file: { dentryId: 'path', size: pathFile?.size },
    rounds: ROUNDS,
    aria2c: Boolean(tools.aria2c),
    runDtdl,
    runAria2,
    stats,
    logRound,
  }
  if (wanted('longpath')) {
    say()
    say(
      `== 7. Long path: ${PATH_MIB} MiB, every request 60 ms late, each connection capped at 4 MB/s; dtdl's default vs -c 16 vs aria2c -x16 -s16 ==`,
    )
  }
  await section('longpath', summary, async () => {
    const r = await runLongPath(pathCtx)
    summary.longpath = r.summary
    Object.assign(summary.goals, r.goals)
  })
  if (wanted('bottleneck')) {
    say()
    say(`== 8. Shared bottleneck: ${PATH_MIB} MiB, 32 MB/s for all connections together; dtdl's default vs -c 4 ==`)
  }
  await section('bottleneck', summary, async () => {
    const r = await runSharedBottleneck(pathCtx)
    summary.bottleneck = r.summary
    Object.assign(summary.goals, r.goals)
  })

  // ---- 4. Start-up ---------------------------------------------------------------------------------------
  say()
  say(`== 4. Start-up: median of ${STARTUP_RUNS} runs (wall ms, spawn to exit) ==`)
  await section('startup', summary, async () => {
    const cases = [
      ['node -e 0 (floor)', ['-e', '0']],
      ['dtdl --help', [DTDL, '--help']],
      ['dtdl --version', [DTDL, '--version']],
    ]
    // For information: the fixed cost of a whole `dtdl get` (4 MiB from the emulator, token cached).
    const GET = 'dtdl get 4 MiB (info)'
    const times = Object.fromEntries([...cases.map(([name]) => [name, []]), [GET, []]])
    // The sections before wrote and deleted gigabytes: let that I/O settle so it does not slow the spawns.
    syncDisks()
    for (const [, args] of cases) await timeSpawn(process.execPath, args, { env: childEnv, cwd: ROOT }) // warm-up
    for (let i = 0; i < STARTUP_RUNS; i++) {
      for (const [name, args] of cases) {
        const r = await timeSpawn(process.execPath, args, { env: childEnv, cwd: ROOT })
        if (r.code !== 0) throw new Error(`${name} exited with ${r.code}`)
        times[name].push(r.ms)
      }
      const g = await runDtdl('warm', 4 * MiB, 4, 'startup-get')
      if (g.ok) times[GET].push(g.wallS * 1000)
      else note(`failed: ${g.error}`)
    }
    const names = [...cases.map(([name]) => name), GET]
    const rows = names.map((name) => [
      name,
      fmt(median(times[name]), 1),
      fmt(minimum(times[name]), 1),
      fmt(maximum(times[name]), 1),
      name === 'dtdl --help' || name === 'dtdl --version' ? verdict(median(times[name]) <= STARTUP_GOAL_MS) : '',
    ])
    say(table(['', 'median ms', 'min ms', 'max ms', `goal <= ${STARTUP_GOAL_MS} ms`], rows))
    note(
      `(dtdl get is timed under ${meter.kind === 'gnu-time' ? '/usr/bin/time, about 1 ms more' : 'the meter'}; it includes the download-info call, the probe, 4 MiB, CRC and fsync)`,
    )
    summary.startup = Object.fromEntries(
      names.map((name) => [
        name,
        {
          medianMs: round(median(times[name]), 1),
          minMs: round(minimum(times[name]), 1),
          maxMs: round(maximum(times[name]), 1),
        },
      ]),
    )
    Object.assign(summary.goals, {
      startupHelp: verdict(median(times['dtdl --help']) <= STARTUP_GOAL_MS),
      startupVersion: verdict(median(times['dtdl --version']) <= STARTUP_GOAL_MS),
    })
  })

  // Servers are done: the CRC bench gets the CPUs to itself.
  await stopServers()

  // ---- 5. CRC-64 throughput ------------------------------------------------------------------------------
  say()
  say(`== 5. CRC-64 throughput (test/bench/crc64-bench.mjs --mib=${CRC_MIB}) vs the single-connection download rate ==`)
  await section('crc64', summary, async () => {
    const r = await runNode([join(ROOT, 'test/bench/crc64-bench.mjs'), `--mib=${CRC_MIB}`])
    const result = lastJson(r.stdout)
    if (r.code !== 0 || !result?.throughput)
      throw new Error(`crc64-bench failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`)
    const gbps = (impl, chunk) => result.throughput.find((t) => t.impl === impl && t.chunkBytes === chunk)?.gbps ?? null
    const used = `crc64 (${result.implementation})`
    const impls = [
      ...(result.throughput.some((t) => t.impl === 'native-clmul')
        ? [['native addon (PCLMULQDQ)', 'native-clmul']]
        : []),
      ['wasm (slice16, 256k buffer)', 'wasm-slice16-256k'],
      ['js (slice8)', 'js-slice8'],
      [`dtdl's crc64 -> ${result.implementation}`, used],
    ]
    say(
      table(
        ['', 'GB/s @ 64 KiB', 'GB/s @ 16 MiB'],
        impls.map(([label, impl]) => [label, fmt(gbps(impl, 65536), 3), fmt(gbps(impl, 16 * MiB), 3)]),
      ),
    )
    const crcRate = gbps(used, 65536)
    const dtdlRate = summary.single?.dtdl?.gbps ?? null
    const curlRate = summary.single?.curl?.gbps ?? null
    const vsDtdl = crcRate !== null && dtdlRate ? crcRate / dtdlRate : null
    const vsCurl = crcRate !== null && curlRate ? crcRate / curlRate : null
    const lineRate = vsCurl ?? vsDtdl
    say(
      `  CRC (64 KiB chunks, ${result.implementation}) / dtdl -c 1 rate (${fmt(dtdlRate, 3)} GB/s)  ${fmt(vsDtdl, 2, 'x').padStart(7)}`,
    )
    say(
      `  CRC (64 KiB chunks, ${result.implementation}) / curl rate (${fmt(curlRate, 3)} GB/s)       ${fmt(vsCurl, 2, 'x').padStart(7)}   goal >= ${CRC_GOAL_RATIO}x   ${verdict(lineRate === null ? null : lineRate >= CRC_GOAL_RATIO)}`,
    )
    summary.crc64 = {
      implementation: result.implementation,
      gbps: Object.fromEntries(
        impls.map(([, impl]) => [impl, { '64KiB': gbps(impl, 65536), '16MiB': gbps(impl, 16 * MiB) }]),
      ),
      ratioToDtdlSingle: round(vsDtdl, 2),
      ratioToCurlSingle: round(vsCurl, 2),
    }
    summary.goals.crcAboveLineRate = verdict(lineRate === null ? null : lineRate >= CRC_GOAL_RATIO)
  })

  summary.totalSeconds = round((performance.now() - started) / 1000, 1)
  summary.loadAverage.end = loadavg().map((x) => round(x, 2))
  say()
  say(
    `load average at end: ${summary.loadAverage.end.join(' ')} (${cpus().length} CPUs; above ~1 means other work competed with the bench)`,
  )
  const goals = Object.entries(summary.goals)
  say(`goals: ${goals.map(([k, v]) => `${k} ${v}`).join(', ')}`)
  say(`total ${summary.totalSeconds} s; summary saved to ${join(BENCH_DIR, 'results.json')}`)
  writeFileSync(join(BENCH_DIR, 'results.json'), `${JSON.stringify(summary, null, 2)}\n`)
  say(JSON.stringify(summary))
}

/**
 * BENCH_ONLY=parallel,single runs just those sections (names: parallel, single, memory, startup, crc64, smallfiles,
 * longpath, bottleneck).
 */
function wanted(name) {
  const only = (process.env.BENCH_ONLY ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  return only.length === 0 || only.includes(name)
}

/** Runs one section; a failure is printed and recorded, and the bench goes on. */
async function section(name, summary, body) {
  if (!wanted(name)) return
  try {
    await body()
  } catch (err) {
    say(`  section failed: ${err.message}`)
    summary[name] = { error: err.message }
  }
}

/** Medians over the successful rounds (parallel, memory). */
function stats(results, size) {
  const ok = results.filter((r) => r.ok)
  for (const r of results) if (!r.ok) note(`failed round: ${r.error}`)
  const wallS = median(ok.map((r) => r.wallS))
  const engineS = median(ok.map((r) => r.engineS ?? null))
  return {
    okRounds: ok.length,
    wallS: round(wallS, 3),
    mbps: wallS ? round(size / wallS / MB, 1) : null,
    engineMbps: engineS ? round(size / engineS / MB, 1) : null,
    cpuS: round(median(ok.map((r) => r.cpuS)), 2),
    benchCpuS: round(median(ok.map((r) => r.benchCpuS ?? null)), 2),
    peakRssMiB: round(toMiB(maximum(ok.map((r) => r.maxRssKiB))), 1),
    medianRssMiB: round(toMiB(median(ok.map((r) => r.maxRssKiB))), 1),
    rounds: results.map((r) => ({
      ok: r.ok,
      wallS: round(r.wallS, 3),
      cpuS: round(r.cpuS, 2),
      maxRssMiB: round(toMiB(r.maxRssKiB), 1),
      ...(r.error ? { error: r.error } : {}),
    })),
  }
}

/** The best (shortest wall) successful round, with its CPU and RSS (single connection). */
function best(results, size) {
  const ok = results.filter((r) => r.ok)
  for (const r of results) if (!r.ok) note(`failed round: ${r.error}`)
  const b = ok.reduce((x, r) => (x === null || r.wallS < x.wallS ? r : x), null)
  const gib = size / GiB
  return {
    okRounds: ok.length,
    wallS: round(b?.wallS ?? null, 3),
    gbps: b ? round(size / b.wallS / 1e9, 3) : null,
    userS: round(b?.userS ?? null, 2),
    sysS: round(b?.sysS ?? null, 2),
    cpuPerGiB: b?.cpuS != null ? round(b.cpuS / gib, 3) : null,
    peakRssMiB: round(toMiB(b?.maxRssKiB ?? null), 1),
    engineS: b?.engineS != null ? round(b.engineS, 3) : null,
    rounds: results.map((r) => ({
      ok: r.ok,
      wallS: round(r.wallS, 3),
      cpuS: round(r.cpuS, 2),
      maxRssMiB: round(toMiB(r.maxRssKiB), 1),
      ...(r.error ? { error: r.error } : {}),
    })),
  }
}

function cpuSeconds(usage) {
  return (usage.user + usage.system) / 1e6
}

function runNode(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT })
    liveChildren.add(child)
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => {
      liveChildren.delete(child)
      resolve({ code, stdout, stderr })
    })
  })
}

function lastJson(text) {
  const lines = text.trim().split('\n').reverse()
  for (const line of lines) {
    if (!line.startsWith('{')) continue
    try {
      return JSON.parse(line)
    } catch {
      // not JSON
    }
  }
  return null
}

function statSafe(path) {
  try {
    return statSync(path)
  } catch {
    return undefined
  }
}

function describeMeter(meter) {
  return meter.kind === 'gnu-time'
    ? `${meter.path} -f '%e %U %S %M' (exact child rusage)`
    : meter.kind === 'proc'
      ? '/proc sampling every 10 ms (approximate: no GNU time)'
      : 'wall time only (no GNU time, no /proc)'
}

async function stopServers() {
  const nginx = state.nginx
  const emulator = state.emulator
  state.nginx = null
  state.emulator = null
  await nginx?.stop().catch(() => {})
  await emulator?.close().catch(() => {})
}

async function cleanup() {
  for (const child of liveChildren) child.kill('SIGTERM')
  await stopServers()
  if (state.configDir) rmSync(state.configDir, { recursive: true, force: true })
  rmSync(OUT_DIR, { recursive: true, force: true })
}

let interrupted = false
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (interrupted) process.exit(130)
    interrupted = true
    process.stderr.write(`\nbench: ${signal}, cleaning up\n`)
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143))
  })
}

try {
  await main()
} catch (err) {
  process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`)
  process.exitCode = 1
} finally {
  if (!interrupted) await cleanup()
}
