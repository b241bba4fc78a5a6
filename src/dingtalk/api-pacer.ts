// One API budget per run: calls to each DingTalk API are spaced to --api-qps, and the pace backs off (AIMD)
// when DingTalk throttles anyway, then climbs back.
import type { ApiKind } from '../http/request-counter.js'

/**
 * The window is this much longer than a second: a request reaches DingTalk a few ms after it starts, and
 * with exactly one second, one late and one early arrival would put qps + 1 into some second.
 */
export const WINDOW_MS = 1030
/** A throttled answer multiplies the rate by this; refusals within one penalty window count once... */
export const DECREASE_FACTOR = 0.85
/** ...DingTalk's penalty window: about a second. */
export const PENALTY_MS = 1000
/** The lowered rate holds this long... */
export const HOLD_MS = 1000
/** ...then climbs back by this share of the ceiling per second. */
export const RECOVERY_PER_SECOND = 0.2
/** Never slower than this many calls per second. */
export const MIN_RATE = 1

/**
 * The pace of one API; pure data, changed only by the functions below. Times in ms (performance.now).
 * The budget is a sliding window: a call may start when fewer than `rate` calls started in the last
 * WINDOW_MS. Unlike even spacing, that wastes nothing at the start nor after a pause, and it counts the
 * times calls really started, so a call delayed by a busy event loop does not squeeze the next ones.
 */
export interface PaceState {
  /** The configured --api-qps. */
  ceiling: number
  /** Calls per window right now (<= ceiling). */
  rate: number
  /**
   * Start times of the latest calls (at most `ceiling`), ascending; a reserved call holds its planned time until it
   * starts.
   */
  starts: number[]
  /** When a throttled answer last lowered the rate. */
  loweredAt: number
  /** When the climb last moved the rate (or the rate was lowered). */
  climbedAt: number
}

export function initialPace(ceiling: number, now: number): PaceState {
  return { ceiling, rate: ceiling, starts: [], loweredAt: Number.NEGATIVE_INFINITY, climbedAt: now }
}

/** Pure: the start time of the next call, and the state with that call's slot reserved (the last of `starts`). */
export function reserveSlot(state: PaceState, now: number): { at: number; state: PaceState } {
  const limit = Math.max(MIN_RATE, Math.floor(state.rate))
  const { starts } = state
  const freedAt = starts.length >= limit ? starts[starts.length - limit]! + WINDOW_MS : now
  // Never before a call reserved earlier: `starts` stays in order.
  const at = Math.max(now, freedAt, starts.at(-1) ?? now)
  return { at, state: { ...state, starts: [...starts, at].slice(-state.ceiling) } }
}

/** Pure: a reserved call really started at `now` (later than planned when the event loop was busy). */
export function markStarted(state: PaceState, planned: number, now: number): PaceState {
  const i = state.starts.lastIndexOf(planned)
  if (i < 0 || now <= planned) return state
  const starts = [...state.starts]
  starts[i] = now
  // Later reservations were planned after this one: keep the order (a later time is only more careful).
  for (let j = i + 1; j < starts.length; j++) starts[j] = Math.max(starts[j]!, starts[j - 1]!)
  return { ...state, starts }
}

/**
 * Pure: a throttled answer lowers the rate (multiplicative decrease); a burst of refusals in one window is one signal.
 */
export function afterThrottled(state: PaceState, now: number): PaceState {
  if (now - state.loweredAt < PENALTY_MS) return state
  return { ...state, rate: Math.max(MIN_RATE, state.rate * DECREASE_FACTOR), loweredAt: now, climbedAt: now }
}

/** Pure: an accepted answer lets the rate climb back (additive increase, linear in time) once the hold is over. */
export function afterAccepted(state: PaceState, now: number): PaceState {
  const holdEnd = state.loweredAt + HOLD_MS
  if (state.rate >= state.ceiling || now <= holdEnd) return state
  const from = Math.max(state.climbedAt, holdEnd)
  const rate = Math.min(state.ceiling, state.rate + (state.ceiling * RECOVERY_PER_SECOND * (now - from)) / 1000)
  return { ...state, rate, climbedAt: now }
}

/**
 * Waits until `at` (performance.now time), or rejects with the signal's reason. One abort listener per
 * waiting call, removed when the wait ends either way.
 */
export function waitUntil(at: number, signal: AbortSignal | undefined): Promise<void> {
  const ms = at - performance.now()
  if (signal?.aborted) return Promise.reject(signal.reason)
  if (ms <= 0) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal!.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** The pacers of one run, one per API name, shared by every job the run starts. qps 0 = no pacing. */
export class ApiPacer {
  readonly #qps: number
  readonly #states = new Map<ApiKind, PaceState>()

  constructor(qps: number) {
    this.#qps = qps
  }

  #state(kind: ApiKind, now: number): PaceState {
    return this.#states.get(kind) ?? initialPace(this.#qps, now)
  }

  /** Waits (silently) for this API's next slot. */
  async take(kind: ApiKind, signal?: AbortSignal): Promise<void> {
    if (this.#qps <= 0) return
    const now = performance.now()
    const { at, state } = reserveSlot(this.#state(kind, now), now)
    this.#states.set(kind, state)
    await waitUntil(at, signal)
    this.#states.set(kind, markStarted(this.#state(kind, at), at, performance.now()))
  }

  /** The answer was throttled (403 Qps/Qpm limit, 429, systemBusy) or accepted. */
  report(kind: ApiKind, throttled: boolean): void {
    if (this.#qps <= 0) return
    const now = performance.now()
    const state = this.#state(kind, now)
    this.#states.set(kind, throttled ? afterThrottled(state, now) : afterAccepted(state, now))
  }

  /** The current rate of an API (for tests and --verbose). */
  rate(kind: ApiKind): number {
    return this.#states.get(kind)?.rate ?? this.#qps
  }
}

/** Pure: does this answer say "too many calls" (the pace must slow down), rather than some other failure? */
export function isThrottleAnswer(status: number, code: string): boolean {
  return (
    status === 429 ||
    code === 'systemBusy' ||
    code === 'system.busy' ||
    /^Forbidden\.AccessDenied\.(Qps|Qpm)Limit/.test(code)
  )
}
