// N connections over the planned segments: each works through the queue, then takes over half of the largest
// piece still running, so one slow connection does not hold up the end. N may change while they run: an added
// connection takes over a half the same way; a retired one stops where it is and hands the rest back.
import { chooseSplit } from './segments.js'
import { toSegment, type Segment } from './receive.js'

/** One connection's loop: the piece it is on, and whether any byte has reached it yet. */
interface Worker {
  seg: Segment | undefined
  /** Where its first piece began: once that piece's pos moves past it, this connection is delivering. */
  firstPos: number
  delivering: boolean
  retired: boolean
}

/**
 * Runs `runSegment` over every segment with a changing number of connections. `segments` is the live list
 * (stolen halves and handed-back rests are appended to it). The first connection to fail for good aborts
 * `stop`, and that reason is thrown once every connection has ended.
 */
export class WorkerPool {
  readonly #queue: Segment[]
  /** The connections at work: a retired one leaves at once, one that ran out of work when its loop ends. */
  readonly #working = new Set<Worker>()
  readonly #loops: Promise<void>[] = []
  #live = 0
  #peak = 0
  #failure: { error: unknown } | undefined
  #ended = false

  constructor(
    private readonly segments: Segment[],
    private readonly stop: AbortController,
    private readonly runSegment: (seg: Segment) => Promise<void>,
  ) {
    this.#queue = [...segments]
  }

  /** Connections at work now. */
  get working(): number {
    return this.#working.size
  }

  /** The most connections that were open at once. */
  get peak(): number {
    return this.#peak
  }

  /** Every connection at work has received bytes: a rate measured from now on is the rate of this many. */
  get delivering(): boolean {
    for (const w of this.#working) if (!this.#noticeDelivery(w)) return false
    return true
  }

  /** Starts `connections` (no more than there are pieces) and resolves once every byte is in. */
  async run(connections: number): Promise<void> {
    const first = Math.min(connections, Math.max(1, this.#queue.length))
    for (let i = 0; i < first; i++) this.#spawn()
    // Connections added while these run are waited for too.
    for (let waited = 0; waited < this.#loops.length;) {
      const loops = this.#loops.slice(waited)
      waited = this.#loops.length
      await Promise.all(loops)
    }
    this.#ended = true
    if (this.#failure) throw this.stop.signal.reason ?? this.#failure.error
  }

  /**
   * More connections (each takes over half of the largest piece; one that finds nothing worth splitting ends
   * at once) or fewer: the newest retire, each handing the rest of its piece back to the queue.
   */
  resize(connections: number): void {
    if (this.#ended) return
    const extra = [...this.#working].slice(connections)
    for (const w of extra) this.#retire(w)
    while (this.#working.size < connections) this.#spawn()
  }

  #spawn(): void {
    const w: Worker = { seg: undefined, firstPos: 0, delivering: false, retired: false }
    this.#working.add(w)
    this.#peak = Math.max(this.#peak, ++this.#live)
    const loop = this.#work(w)
      .catch((error: unknown) => {
        this.#failure ??= { error }
        this.stop.abort(error)
      })
      .finally(() => {
        this.#working.delete(w)
        this.#live--
      })
    this.#loops.push(loop)
  }

  async #work(w: Worker): Promise<void> {
    while (!w.retired) {
      const seg = this.#queue.shift() ?? this.#steal()
      if (!seg) return
      this.#noticeDelivery(w)
      if (!w.delivering) w.firstPos = seg.pos
      w.seg = seg
      await this.runSegment(seg)
    }
  }

  /** Half of the largest piece still running, or undefined when none is worth splitting. */
  #steal(): Segment | undefined {
    const running = this.segments.filter((s) => s.pos < s.end)
    const split = chooseSplit(running)
    if (!split) return undefined
    const victim = running[split.index]!
    const seg = toSegment({ start: split.at, end: victim.end })
    victim.end = split.at
    this.segments.push(seg)
    return seg
  }

  /**
   * Ends the piece where it is: its response is read no further (receive stops at the moved end and drops
   * the body), and the bytes after it go back to the queue for the connections that stay.
   */
  #retire(w: Worker): void {
    w.retired = true
    this.#working.delete(w)
    const seg = w.seg
    if (!seg || seg.pos >= seg.end) return
    const rest = toSegment({ start: seg.pos, end: seg.end })
    seg.end = seg.pos
    this.segments.push(rest)
    this.#queue.push(rest)
  }

  #noticeDelivery(w: Worker): boolean {
    if (!w.delivering && w.seg !== undefined && w.seg.pos > w.firstPos) w.delivering = true
    return w.delivering
  }
}
