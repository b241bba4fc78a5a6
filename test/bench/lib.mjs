// Helpers for test/bench/bench.mjs: finding tools, running a child with wall/CPU/peak-RSS measurement,
// cached fixture files with their CRC-64, statistics and plain-text tables.
import { spawn, spawnSync } from 'node:child_process'
import {
  accessSync,
  constants,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { randomFillSync } from 'node:crypto'
import { tmpdir } from 'node:os'
import { basename, delimiter, dirname, join } from 'node:path'

export const MiB = 1024 * 1024
export const GiB = 1024 * MiB

/** The absolute path of an executable on PATH, or null. */
export function findExecutable(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    const candidate = join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      if (statSync(candidate).isFile()) return candidate
    } catch {
      // not here
    }
  }
  return null
}

/** First line of `<tool> <flag>` (its version banner), or null when it does not run. */
export function toolVersion(path, flag = '--version') {
  if (!path) return null
  const r = spawnSync(path, [flag], { encoding: 'utf8', timeout: 5000 })
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim()
  return r.error ? null : (text.split('\n')[0] ?? '').trim() || null
}

/**
 * How child CPU time and peak RSS are measured:
 *  - 'gnu-time': /usr/bin/time -f '%e %U %S %M' -o <file>. The kernel's rusage of the waited-for child:
 *    exact user+sys CPU of all its threads, exact peak RSS (ru_maxrss, KiB). Preferred.
 *  - 'proc': the child is spawned directly and /proc/<pid>/stat (utime, stime) and /proc/<pid>/status
 *    (VmHWM, the kernel's own high-water mark) are sampled every 10 ms; the last sample before exit is used,
 *    so CPU may miss the final <= 10 ms and VmHWM any growth in them. Linux without GNU time.
 *  - 'none': wall time only.
 */
export function detectMeter() {
  const timePath = existsSync('/usr/bin/time') ? '/usr/bin/time' : findExecutable('time')
  if (timePath) {
    const dir = mkdtempSync(join(tmpdir(), 'dtdl-bench-time-'))
    try {
      const out = join(dir, 't')
      const r = spawnSync(timePath, ['-f', '%e %U %S %M', '-o', out, process.execPath, '-e', '0'], { timeout: 10_000 })
      if (r.status === 0 && /^[\d.]+ [\d.]+ [\d.]+ \d+$/m.test(readFileSync(out, 'utf8')))
        return { kind: 'gnu-time', path: timePath }
    } catch {
      // not GNU time
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
  if (existsSync('/proc/self/stat')) return { kind: 'proc' }
  return { kind: 'none' }
}

const CLK_TCK = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })
  return Number(r.stdout?.trim()) || 100
})()

/** Children still running, so an interrupted bench can end them (by pid, nothing else). */
export const liveChildren = new Set()

/**
 * Runs one command to completion and measures it.
 * @returns {Promise<{ code: number | null, signal: string | null, wallS: number, userS: number | null, sysS: number |
 * null, cpuS: number | null, maxRssKiB: number | null, stdout: string, stderr: string }>}
 */
export function measure(meter, cmd, args, options = {}) {
  const stdio = ['ignore', 'pipe', 'pipe']
  let timeFile
  let file = cmd
  let argv = args
  if (meter.kind === 'gnu-time') {
    timeFile = join(mkdtempSync(join(tmpdir(), 'dtdl-bench-time-')), 't')
    file = meter.path
    argv = ['-f', '%e %U %S %M', '-o', timeFile, cmd, ...args]
  }
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint()
    const child = spawn(file, argv, { stdio, env: options.env ?? process.env, cwd: options.cwd })
    liveChildren.add(child)
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout = (stdout + d).slice(-65536)))
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr = (stderr + d).slice(-65536)))
    let sample = { cpuTicks: null, hwmKiB: null }
    let poll
    if (meter.kind === 'proc') {
      const read = () => {
        try {
          const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8')
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
          const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))
          sample = {
            utime: Number(fields[11]),
            stime: Number(fields[12]),
            hwmKiB: hwm ? Number(hwm[1]) : sample.hwmKiB,
          }
        } catch {
          // exited between samples
        }
      }
      read()
      poll = setInterval(read, 10)
    }
    child.on('error', (err) => {
      clearInterval(poll)
      liveChildren.delete(child)
      reject(err)
    })
    child.on('close', (code, signal) => {
      const wallS = Number(process.hrtime.bigint() - t0) / 1e9
      clearInterval(poll)
      liveChildren.delete(child)
      let userS = null
      let sysS = null
      let maxRssKiB = null
      let exitCode = code
      if (timeFile) {
        try {
          const lines = readFileSync(timeFile, 'utf8').trim().split('\n')
          const m = /^([\d.]+) ([\d.]+) ([\d.]+) (\d+)$/.exec(lines.at(-1) ?? '')
          if (m) [userS, sysS, maxRssKiB] = [Number(m[2]), Number(m[3]), Number(m[4])]
          // GNU time exits with the command's status; a signal shows as "Command terminated by signal N".
          const sig = lines.find((l) => l.startsWith('Command terminated by signal'))
          if (sig) exitCode = null
        } catch {
          // no timing: leave nulls
        }
        rmSync(dirname(timeFile), { recursive: true, force: true })
      } else if (meter.kind === 'proc' && sample.utime !== undefined) {
        userS = sample.utime / CLK_TCK
        sysS = sample.stime / CLK_TCK
        maxRssKiB = sample.hwmKiB
      }
      resolve({
        code: exitCode,
        signal,
        wallS,
        userS,
        sysS,
        cpuS: userS === null ? null : userS + sysS,
        maxRssKiB,
        stdout,
        stderr,
      })
    })
  })
}

/** Wall time only (for start-up): spawn, wait, hrtime. */
export function timeSpawn(cmd, args, options = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint()
    const child = spawn(cmd, args, { stdio: 'ignore', env: options.env ?? process.env, cwd: options.cwd })
    liveChildren.add(child)
    child.on('error', reject)
    child.on('close', (code) => {
      liveChildren.delete(child)
      resolve({ code, ms: Number(process.hrtime.bigint() - t0) / 1e6 })
    })
  })
}

/** Flushes dirty pages so one round's writeback does not land in the next round's time. */
export function syncDisks() {
  spawnSync('sync', [], { stdio: 'ignore', timeout: 120_000 })
}

/** Removes `path` and whatever a downloader left beside it (dtdl's partial/record, aria2's control file). */
export function removeOutput(path) {
  const dir = dirname(path)
  const base = basename(path)
  if (!existsSync(dir)) return
  for (const name of readdirSync(dir))
    if (name === base || name.startsWith(`${base}.`)) rmSync(join(dir, name), { force: true })
}

/**
 * A cached file of `mib` MiB of random bytes and its CRC-64 (decimal, in `<name>.crc`): generated once
 * (16 MiB crypto-random blocks, CRC computed on the way), reused while its size and CRC file are intact.
 * @returns {Promise<{ path: string, name: string, size: number, crc: bigint, generated: boolean, seconds: number }>}
 */
export async function ensureDataFile(dir, mib) {
  const { crc64 } = await import('../../dist/crc64/crc64.js')
  const name = `big-${mib}.bin`
  const path = join(dir, name)
  const crcPath = join(dir, `big-${mib}.crc`)
  const size = mib * MiB
  try {
    if (statSync(path).size === size) {
      const text = readFileSync(crcPath, 'utf8').trim()
      if (/^\d+$/.test(text)) return { path, name, size, crc: BigInt(text), generated: false, seconds: 0 }
    }
  } catch {
    // missing: generate
  }
  const t0 = performance.now()
  const block = Buffer.allocUnsafe(16 * MiB)
  const tmp = `${path}.tmp`
  const fd = openSync(tmp, 'w')
  let crc = 0n
  try {
    for (let done = 0; done < size;) {
      const n = Math.min(block.length, size - done)
      const piece = block.subarray(0, n)
      randomFillSync(piece)
      crc = crc64(piece, crc)
      for (let off = 0; off < n;) off += writeSync(fd, piece, off, n - off, done + off)
      done += n
    }
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, path)
  writeFileSync(crcPath, `${crc}\n`)
  return { path, name, size, crc, generated: true, seconds: (performance.now() - t0) / 1000 }
}

/** Reads a file once so the first measured round does not pay for the disk (it is then in the page cache). */
export async function warmPageCache(path) {
  const { createReadStream } = await import('node:fs')
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * MiB })) void chunk
}

export function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return null
  const mid = v.length >> 1
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2
}

export function minimum(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x))
  return v.length ? Math.min(...v) : null
}

export function maximum(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x))
  return v.length ? Math.max(...v) : null
}

/** Rounds for printing and JSON; null stays null. */
export function round(x, digits = 2) {
  return x === null || x === undefined || !Number.isFinite(x) ? null : Number(x.toFixed(digits))
}

export function fmt(x, digits = 2, suffix = '') {
  return x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : `${x.toFixed(digits)}${suffix}`
}

/** PASS / FAIL / n/a for a goal whose inputs may be missing. */
export function verdict(ok) {
  return ok === null || ok === undefined ? 'n/a' : ok ? 'PASS' : 'FAIL'
}

/** A plain-text table: first column left-aligned, the rest right-aligned. */
export function table(headers, rows) {
  const all = [headers, ...rows].map((r) => r.map((c) => String(c ?? '')))
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)))
  const line = (r) =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd()
  return [line(all[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n')
}
