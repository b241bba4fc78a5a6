// Human-readable numbers for progress and summaries: sizes, speeds, durations.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

export function formatBytes(n: number): string {
  let v = n
  let i = 0
  // Compare the rounded figure, so 1048575 bytes reads "1.0 MiB", not "1024 KiB".
  const shown = (x: number) => Number(x.toFixed(x >= 100 ? 0 : 1))
  while ((i === 0 ? v : shown(v)) >= 1024 && i < UNITS.length - 1) {
    v /= 1024
    i++
  }
  // The decimals follow the rounded figure too: 99.96 reads "100", never "100.0" (one format, one width).
  return i === 0 ? `${v} B` : `${v.toFixed(shown(v) >= 100 ? 0 : 1)} ${UNITS[i]}`
}

export const formatRate = (bytesPerSecond: number): string => `${formatBytes(Math.round(bytesPerSecond))}/s`

/** A speed for a live line: "--" until there is a measurement, so the first frame never claims 0 B/s. */
export const formatSpeed = (bytesPerSecond: number | undefined): string =>
  bytesPerSecond === undefined ? '--' : formatRate(bytesPerSecond)

/** Time an end line reports: tenths of a second below a minute, where they matter; minutes above. */
export const formatElapsed = (ms: number): string =>
  ms < 59_950 ? `${(Math.max(0, ms) / 1000).toFixed(1)}s` : formatDuration(ms)

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '--'
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}
