// N connections over the planned segments: each works through the queue, then takes over half of the largest
// piece still running, so one slow connection does not hold up the end.
import { chooseSplit } from './segments.js'
import { toSegment, type Segment } from './receive.js'

/**
 * Runs `runSegment` over every segment with `connections` workers. `segments` is the live list (stolen
 * halves are appended to it). The first worker to fail for good aborts `stop`, and that reason is thrown.
 */
export async function runWorkers(segments: Segment[], connections: number, stop: AbortController, runSegment: (seg: Segment) => Promise<void>): Promise<void> {
  const queue = [...segments]
  const worker = async (): Promise<void> => {
    for (;;) {
      let seg = queue.shift()
      if (!seg) {
        const running = segments.filter((s) => s.pos < s.end)
        const split = chooseSplit(running)
        if (!split) return
        const victim = running[split.index]!
        seg = toSegment({ start: split.at, end: victim.end })
        victim.end = split.at
        segments.push(seg)
      }
      await runSegment(seg)
    }
  }
  const workers = Array.from({ length: Math.min(connections, Math.max(1, queue.length)) }, () =>
    worker().catch((err: unknown) => {
      stop.abort(err)
      throw err
    }),
  )
  const failed = (await Promise.allSettled(workers)).find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed) throw stop.signal.reason ?? failed.reason
}
