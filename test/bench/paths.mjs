// The bench's two path sections, where the connection count dtdl finds is what is measured:
//   longpath:   every request answered 60 ms late and each connection capped at 4 MB/s (a long haul from an
//               OSS region, one TCP window per connection): dtdl's default vs -c 16 vs aria2c -x16 -s16, and
//               -c 8 for its peak RSS (the default's must stay within 10% of it);
//   bottleneck: one 32 MB/s cap shared by every connection (one access link): the default vs -c 4.
// The rounds interleave the rows (a different order each round) on the emulator bench.mjs started.
import { fmt, median, round, table, verdict } from './lib.mjs'

export const LONG_PATH = { latencyMs: 60, bytesPerSecondPerConnection: 4_000_000 }
export const BOTTLENECK = { bytesPerSecondTotal: 32_000_000 }
const LONG_PATH_GOAL = 1.15 // default wall / aria2c -x16 -s16 wall
const RSS_GOAL = 1.1 // default peak RSS / -c 8 peak RSS
const BOTTLENECK_GOAL = 1.1 // default wall / -c 4 wall
const BOTTLENECK_MAX_CONNECTIONS = 8

/**
 * Runs `rows` (each `{ name, run: () => Promise<result> }`) for `rounds` rounds, rotating their order so no
 * row is always first after the emulator's faults change or always last before the disk syncs.
 */
async function interleave(rows, rounds, logRound) {
  const results = Object.fromEntries(rows.map((r) => [r.name, []]))
  for (let i = 0; i < rounds; i++) {
    const order = rows.map((_, k) => rows[(k + i) % rows.length])
    const got = {}
    for (const row of order) results[row.name].push((got[row.name] = await row.run()))
    logRound(
      i,
      rows.map((r) => [r.name, got[r.name]]),
    )
  }
  return results
}

/** Round by round (the rows ran in the same round, side by side): `a`'s wall time over `b`'s. */
function roundRatios(a, b) {
  return a.flatMap((x, i) => (x.ok && b[i]?.ok ? [x.wallS / b[i].wallS] : []))
}

/** What the found count did, round by round: "16/16" = ended at 16, peak 16. */
const countsOf = (results) =>
  results.filter((r) => r.ok).map((r) => `${r.json?.connections ?? '?'}/${r.json?.peakConnections ?? '?'}`)
const maxPeak = (results) => Math.max(...results.filter((r) => r.ok).map((r) => r.json?.peakConnections ?? Infinity))

/** Section 7: the long path. `ctx`: { say, note, emu, file, rounds, aria2c, runDtdl, runAria2, stats, logRound }. */
export async function runLongPath(ctx) {
  const { say, note, emu, file, rounds, stats } = ctx
  const run = (connections, label) => () => ctx.runDtdl(file.dentryId, file.size, connections, label)
  const rows = [
    { name: 'dtdl (default)', run: run(undefined, 'long-default') },
    { name: 'dtdl -c 16', run: run(16, 'long-c16') },
    { name: 'dtdl -c 8', run: run(8, 'long-c8') },
    ...(ctx.aria2c
      ? [{ name: 'aria2c -x16 -s16', run: () => ctx.runAria2(file.dentryId, file.size, 'long-aria2c', 16) }]
      : []),
  ]
  emu.setFaults(LONG_PATH)
  let results
  try {
    results = await interleave(rows, rounds, (i, got) => ctx.logRound('long path', i, got))
  } finally {
    emu.setFaults({})
  }
  const s = Object.fromEntries(Object.entries(results).map(([name, r]) => [name, stats(r, file.size)]))
  const d = s['dtdl (default)']
  const a = s['aria2c -x16 -s16'] ?? null
  const c8 = s['dtdl -c 8']
  const row = (name, x, counts = '') => [
    name,
    fmt(x.wallS),
    fmt(x.mbps, 1),
    fmt(x.cpuS),
    fmt(x.peakRssMiB, 1),
    fmt(x.medianRssMiB, 1),
    counts,
    `${x.okRounds}/${rounds}`,
  ]
  say(
    table(
      [
        '',
        'wall s (median)',
        'MB/s',
        'CPU s (median)',
        'peak RSS MiB (max)',
        'peak RSS MiB (median)',
        'connections (end/peak)',
        'ok rounds',
      ],
      [
        row('dtdl (default: found)', d, countsOf(results['dtdl (default)']).join(' ')),
        row('dtdl -c 16', s['dtdl -c 16']),
        row('dtdl -c 8', c8),
        a ? row('aria2c -x16 -s16', a) : ['aria2c -x16 -s16', 'skipped: aria2c not installed', '', '', '', '', '', ''],
      ],
    ),
  )
  note(
    `(every request 60 ms late, each connection capped at 4 MB/s: the bound is 4 MB/s x connections; MB/s = ${file.size / 2 ** 20} MiB / wall time`,
  )
  note(
    ' of the whole process, start-up and the download-info call included; aria2c gets its signed URL before its clock starts)',
  )
  const ratio = a?.wallS && d.wallS ? d.wallS / a.wallS : null
  const rss = c8.peakRssMiB && d.peakRssMiB ? d.peakRssMiB / c8.peakRssMiB : null
  const vsC16 = s['dtdl -c 16'].wallS && d.wallS ? d.wallS / s['dtdl -c 16'].wallS : null
  const perRound = a ? roundRatios(results['dtdl (default)'], results['aria2c -x16 -s16']) : []
  const g1 = ratio === null ? null : ratio <= LONG_PATH_GOAL
  const g2 = rss === null ? null : rss <= RSS_GOAL
  say(
    `  default/aria2c wall     ${fmt(ratio, 3, 'x').padStart(8)}   goal <= ${LONG_PATH_GOAL}x      ${a ? verdict(g1) : 'skipped: aria2c not installed'}`,
  )
  if (a)
    note(
      `(medians; round by round ${perRound.map((x) => fmt(x, 3, 'x')).join(', ')}, their median ${fmt(median(perRound), 3, 'x')})`,
    )
  say(`  default/-c 16 wall      ${fmt(vsC16, 3, 'x').padStart(8)}   (info: what finding the count costs)`)
  say(`  default/-c 8 peak RSS   ${fmt(rss, 3, 'x').padStart(8)}   goal <= ${RSS_GOAL}x       ${verdict(g2)}`)
  return {
    summary: {
      fileMiB: file.size / 2 ** 20,
      faults: LONG_PATH,
      rows: s,
      connections: countsOf(results['dtdl (default)']),
      ratioDefaultToAria2c: round(ratio, 3),
      roundRatiosDefaultToAria2c: perRound.map((x) => round(x, 3)),
      ratioDefaultToC16: round(vsC16, 3),
      ratioRssDefaultToC8: round(rss, 3),
    },
    goals: { longPathVsAria2c: a ? verdict(g1) : 'skipped', longPathPeakRss: verdict(g2) },
  }
}

/** Section 8: one bottleneck shared by all connections. `ctx` as for runLongPath (aria2c and runAria2 unused). */
export async function runSharedBottleneck(ctx) {
  const { say, note, emu, file, rounds, stats } = ctx
  const run = (connections, label) => () => ctx.runDtdl(file.dentryId, file.size, connections, label)
  const rows = [
    { name: 'dtdl (default)', run: run(undefined, 'shared-default') },
    { name: 'dtdl -c 4', run: run(4, 'shared-c4') },
  ]
  emu.setFaults(BOTTLENECK)
  let results
  try {
    results = await interleave(rows, rounds, (i, got) => ctx.logRound('bottleneck', i, got))
  } finally {
    emu.setFaults({})
  }
  const d = stats(results['dtdl (default)'], file.size)
  const c4 = stats(results['dtdl -c 4'], file.size)
  const counts = countsOf(results['dtdl (default)'])
  const row = (name, x, c = '') => [
    name,
    fmt(x.wallS),
    fmt(x.mbps, 1),
    fmt(x.cpuS),
    fmt(x.peakRssMiB, 1),
    c,
    `${x.okRounds}/${rounds}`,
  ]
  say(
    table(
      ['', 'wall s (median)', 'MB/s', 'CPU s (median)', 'peak RSS MiB (max)', 'connections (end/peak)', 'ok rounds'],
      [row('dtdl (default: found)', d, counts.join(' ')), row('dtdl -c 4', c4)],
    ),
  )
  note(`(one 32 MB/s cap for all connections together; ${file.size / 2 ** 20} MiB, wall time of the whole process)`)
  const ratio = c4.wallS && d.wallS ? d.wallS / c4.wallS : null
  const perRound = roundRatios(results['dtdl (default)'], results['dtdl -c 4'])
  const peak = counts.length ? maxPeak(results['dtdl (default)']) : null
  const g1 = ratio === null ? null : ratio <= BOTTLENECK_GOAL
  const g2 = peak === null ? null : peak <= BOTTLENECK_MAX_CONNECTIONS
  say(`  default/-c 4 wall       ${fmt(ratio, 3, 'x').padStart(8)}   goal <= ${BOTTLENECK_GOAL}x       ${verdict(g1)}`)
  note(
    `(medians; round by round ${perRound.map((x) => fmt(x, 3, 'x')).join(', ')}, their median ${fmt(median(perRound), 3, 'x')})`,
  )
  say(
    `  default's peak count    ${String(peak ?? 'n/a').padStart(8)}   goal <= ${BOTTLENECK_MAX_CONNECTIONS}           ${verdict(g2)}`,
  )
  return {
    summary: {
      fileMiB: file.size / 2 ** 20,
      faults: BOTTLENECK,
      dtdl: d,
      c4,
      connections: counts,
      ratioDefaultToC4: round(ratio, 3),
      roundRatiosDefaultToC4: perRound.map((x) => round(x, 3)),
    },
    goals: { bottleneckVsC4: verdict(g1), bottleneckConnections: verdict(g2) },
  }
}
