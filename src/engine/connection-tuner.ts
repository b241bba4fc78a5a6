// Finds the connection count while a file downloads: once every connection delivers, measures the aggregate
// rate (and how busy the event loop was) over a window, asks decideConnections what to do, and resizes the pool,
// until the count holds.
import { performance, type EventLoopUtilization } from 'node:perf_hooks'
import {
  decideConnections,
  isSteady,
  type ConnectionLimits,
  type CountDecision,
  type RateSample,
} from './connection-count.js'
import type { WorkerPool } from './worker-pool.js'

/** How often the pool is looked at: a window ends within this much of its length. */
const TICK_MS = 20
/**
 * A window first lasts WINDOW_PER_WAIT times as long as the new connections took to deliver their first byte
 * (a handshake and a request: a round trip or more), so on a long path it spans more than a round trip; and
 * between these bounds. It starts short because the search costs its length (on a path that caps each
 * connection, every window below the count it ends at runs at half the speed or less), and grows only when the
 * rate is too uneven to judge (see #tick).
 */
const WINDOW_PER_WAIT = 1.5
const MIN_WINDOW_MS = 150
const MAX_WINDOW_MS = 2000

/** One decision, for whoever reports it: the window measured and what was done about it. */
export interface CountStep {
  measured: RateSample
  decision: CountDecision
}

export class ConnectionTuner {
  #target: number
  #before: RateSample | undefined
  #changedAt = performance.now()
  /** The window being measured: from `startedAt` for `ms`, its midpoint once reached. */
  #window:
    | {
        startedAt: number
        bytes: number
        loop: EventLoopUtilization
        ms: number
        middle: { at: number; bytes: number } | undefined
      }
    | undefined
  #timer: NodeJS.Timeout | undefined

  /** `received()`: bytes received so far by all connections, whatever the sink. */
  constructor(
    private readonly pool: Pick<WorkerPool, 'working' | 'delivering' | 'resize'>,
    private readonly limits: ConnectionLimits,
    private readonly received: () => number,
    private readonly onStep: (step: CountStep) => void = () => {},
  ) {
    this.#target = limits.start
  }

  /** The count in effect: found, or fixed. */
  get connections(): number {
    return this.#target
  }

  /** Starts looking, when there is anything to find (a fixed count has nothing). */
  start(): void {
    if (this.limits.max <= this.limits.start) return
    this.#changedAt = performance.now()
    this.#timer = setInterval(() => this.#tick(performance.now()), TICK_MS)
    this.#timer.unref()
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  #tick(now: number): void {
    // Fewer connections have work than the count: the transfer is in its tail, and its rate says nothing.
    if (this.pool.working < this.#target) return this.stop()
    const window = this.#window
    if (window === undefined) {
      if (!this.pool.delivering) return
      const ms = Math.min(MAX_WINDOW_MS, Math.max(MIN_WINDOW_MS, WINDOW_PER_WAIT * (now - this.#changedAt)))
      return this.#open(now, ms)
    }
    if (window.middle === undefined) {
      if (now - window.startedAt >= window.ms / 2) window.middle = { at: now, bytes: this.received() }
      return
    }
    if (now - window.startedAt < window.ms) return
    const bytes = this.received()
    const rate = (from: { at: number; bytes: number }, to: { at: number; bytes: number }) =>
      ((to.bytes - from.bytes) * 1000) / (to.at - from.at)
    const start = { at: window.startedAt, bytes: window.bytes }
    const end = { at: now, bytes }
    // Still speeding up or slowing down, or too noisy to tell: measure on. The window doubles, what it measured so
    // far being its first half, so each comparison averages over more and none of the time spent is lost.
    if (!isSteady(rate(start, window.middle), rate(window.middle, end))) {
      if (window.ms >= MAX_WINDOW_MS) return this.#open(now, MAX_WINDOW_MS)
      window.ms *= 2
      window.middle = end
      return
    }
    const loopBusy = performance.eventLoopUtilization(window.loop).utilization
    this.#decide({ connections: this.#target, bytesPerSecond: rate(start, end), loopBusy }, now)
  }

  #open(now: number, ms: number): void {
    this.#window = {
      startedAt: now,
      bytes: this.received(),
      loop: performance.eventLoopUtilization(),
      ms,
      middle: undefined,
    }
  }

  #decide(measured: RateSample, now: number): void {
    const decision = decideConnections(measured, this.#before, this.limits.max)
    this.onStep({ measured, decision })
    if (decision.action === 'hold') return this.stop()
    this.#target = decision.to
    this.pool.resize(decision.to)
    if (decision.action === 'remove') return this.stop()
    this.#before = measured
    this.#changedAt = now
    this.#window = undefined
  }
}
