// How many connections a file gets: a fixed -c, or a count found while it downloads (start with a few, double
// while doubling pays, hand the extra ones back when it does not). Pure: limits and decisions from numbers.
import { MiB } from './segments.js'

/**
 * Where a found count starts. Four fill a path whose limit is shared by all connections (one access link,
 * loopback) as well as eight do (2 GiB over loopback: 0.90x the time of eight, with less CPU), and cost less
 * memory and load on the server; a path that bounds each connection (a long haul, one TCP window each) shows
 * its gain at the first doubling.
 */
export const START_CONNECTIONS = 4
/** The most a found count reaches: the same ceiling as -c and as a batch's whole budget. */
export const MAX_CONNECTIONS = 16
/** A connection per this much of what is left: a small file gains nothing from more handshakes. */
export const BYTES_PER_CONNECTION = 4 * MiB
/**
 * An addition is kept when each added connection carried at least this share of what an existing one did
 * (doubling: the aggregate rose by at least 25%). Below it the path is near its limit: more connections cost
 * more than they bring, and a rise that small is within what a busy machine's measurement wanders by.
 */
export const MIN_GAIN_SHARE = 0.25

/**
 * How far apart the two halves of a window may be for it to count. A rate still moving more than this (a
 * start-up, connections still speeding up, a busy machine) cannot show a 25% gain; the window is measured
 * again, longer.
 */
export const STEADY_TOLERANCE = 0.15

/** The count a transfer starts with and the most it may grow to; equal when the count is fixed. */
export interface ConnectionLimits {
  start: number
  max: number
}

/**
 * -c wins as given. Otherwise one connection per 4 MiB of what is left, at most 16 and at most `ceiling` (a
 * batch's share of its budget), starting from at most four.
 */
export function connectionLimits(
  remainingBytes: number,
  options: { requested?: number | undefined; ceiling?: number | undefined } = {},
): ConnectionLimits {
  if (options.requested !== undefined) return { start: options.requested, max: options.requested }
  const bySize = Math.floor(remainingBytes / BYTES_PER_CONNECTION)
  const max = Math.max(1, Math.min(MAX_CONNECTIONS, options.ceiling ?? MAX_CONNECTIONS, bySize))
  return { start: Math.min(START_CONNECTIONS, max), max }
}

/** The aggregate rate measured over one window during which `connections` were all delivering. */
export interface RateSample {
  connections: number
  bytesPerSecond: number
  /** The share of the window (0..1) the event loop was busy: every connection's bytes pass through that one thread. */
  loopBusy: number
}

/**
 * Does a window count, by its two halves' rates (bytes per second)? Not when they differ by more than
 * STEADY_TOLERANCE of the larger: the rate was still changing, and a decision on it would follow the change.
 */
export function isSteady(firstHalf: number, secondHalf: number): boolean {
  const high = Math.max(firstHalf, secondHalf)
  return high - Math.min(firstHalf, secondHalf) <= STEADY_TOLERANCE * high
}

export type CountDecision = { action: 'add'; to: number } | { action: 'hold' } | { action: 'remove'; to: number }

/**
 * What to do after a window at `now.connections`, given the window before the last addition (`before`, at
 * fewer connections; undefined for the first window). An addition that did not pay is handed back and the
 * search ends (remove); one that paid is doubled again up to `max` (add); at `max`, with nothing measured, or
 * with no room on the event loop for the bytes more connections would bring, the count stays (hold). The
 * caller stops asking after a hold or a remove.
 */
export function decideConnections(now: RateSample, before: RateSample | undefined, max: number): CountDecision {
  // Nothing arrived (every connection waiting on a retry): no rate to judge by.
  if (now.bytesPerSecond <= 0) return { action: 'hold' }
  if (before !== undefined && before.connections < now.connections && !additionPaid(before, now))
    return { action: 'remove', to: before.connections }
  if (now.connections >= max) return { action: 'hold' }
  const to = Math.min(max, now.connections * 2)
  // More connections are meant to bring proportionally more bytes, and so need proportionally more of the one
  // thread that reads, checksums and writes them: a loop busy half of a window has no room for twice the bytes
  // (loopback and fast local networks, where the process is the bottleneck, not the path).
  if (now.loopBusy * (to / now.connections) >= 1) return { action: 'hold' }
  return { action: 'add', to }
}

/** Did going from `before` to `now` raise the rate by at least MIN_GAIN_SHARE of a proportional rise? */
function additionPaid(before: RateSample, now: RateSample): boolean {
  const added = now.connections - before.connections
  const proportional = before.bytesPerSecond * (added / before.connections)
  return now.bytesPerSecond - before.bytesPerSecond >= MIN_GAIN_SHARE * proportional
}
