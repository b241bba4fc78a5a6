// --limit-rate's token bucket on a simulated clock: the cap holds over the whole transfer and over any stretch of
// it, and a fast rate does not cost a timer per chunk. No test here waits for real time.
import { describe, expect, it } from 'vitest'
import { RateLimiter, type LimiterClock } from '../../src/engine/rate-limiter.js'

const KiB = 1024
const MiB = 1024 * KiB

/**
 * Feeds `total` bytes in `chunk`-sized reads that arrive the moment they are asked for (the fastest network
 * there is): what arrived when, when the transfer ended (its last wait included), and every sleep asked for.
 */
async function simulate(rate: number, chunk: number, total: number) {
  let now = 0
  const sleeps: number[] = []
  const clock: LimiterClock = {
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms)
      now += ms
    },
  }
  const limiter = new RateLimiter(rate, clock)
  const arrivals: { t: number; before: number; after: number }[] = []
  for (let got = 0; got < total;) {
    const n = Math.min(chunk, total - got)
    arrivals.push({ t: now, before: got, after: got + n })
    got += n
    await limiter.take(n)
  }
  return { arrivals, end: now, sleeps }
}

describe('RateLimiter', () => {
  // 20K over 200 KiB: the case that averaged 25.8 KiB/s when the bucket started full with a 64 KiB floor.
  it.each<[string, number, number, number]>([
    ['20K, 16 KiB reads, 200 KiB', 20 * KiB, 16 * KiB, 200 * KiB],
    ['20K, 64 KiB reads, 1 MiB', 20 * KiB, 64 * KiB, MiB],
    ['1M, 16 KiB reads, 8 MiB', MiB, 16 * KiB, 8 * MiB],
    ['100M, 64 KiB reads, 400 MiB', 100 * MiB, 64 * KiB, 400 * MiB],
  ])(
    '%s: the whole transfer averages no more than the cap, and no stretch beats it by more than a quarter second and a read',
    async (_, rate, chunk, total) => {
      const { arrivals, end } = await simulate(rate, chunk, total)
      // Whole run: a debt under the smallest sleep may stay unpaid at the very end.
      expect(total).toBeLessThanOrEqual((rate * (end + 4)) / 1000)
      // Any stretch from one read's arrival to a later one's, both reads counted.
      const step = Math.max(1, Math.floor(arrivals.length / 300))
      for (let i = 0; i < arrivals.length; i += step) {
        for (let j = i; j < arrivals.length; j++) {
          const bytes = arrivals[j]!.after - arrivals[i]!.before
          const allowed = (rate * (arrivals[j]!.t - arrivals[i]!.t + 4)) / 1000 + rate / 4 + chunk
          if (bytes > allowed) expect({ from: arrivals[i]!.t, to: arrivals[j]!.t, bytes }).toEqual({ allowed })
        }
      }
    },
  )

  it('at a gigabyte a second, sleeps only when the debt is worth a timer: a few dozen for 256 MiB, none under 4 ms', async () => {
    const rate = 1024 * MiB
    const { sleeps, end } = await simulate(rate, 64 * KiB, 256 * MiB)
    expect(sleeps.length).toBeGreaterThan(0)
    expect(sleeps.length).toBeLessThanOrEqual(Math.ceil((256 * MiB) / ((rate * 4) / 1000)))
    expect(Math.min(...sleeps)).toBeGreaterThanOrEqual(4)
    expect(end).toBeGreaterThanOrEqual(250 - 4)
  })

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('a rate of %d is no cap: nothing sleeps', async (rate) => {
    const { sleeps } = await simulate(rate, 64 * KiB, 10 * MiB)
    expect(sleeps).toEqual([])
  })

  it('hands the caller its signal to the sleep, so Ctrl-C ends a wait at once', async () => {
    const signals: (AbortSignal | undefined)[] = []
    const limiter = new RateLimiter(KiB, { now: () => 0, sleep: async (_ms, signal) => void signals.push(signal) })
    const controller = new AbortController()
    await limiter.take(10 * KiB, controller.signal)
    expect(signals).toEqual([controller.signal])
  })
})
