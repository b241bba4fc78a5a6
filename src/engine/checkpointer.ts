// Checkpoints of a running download: fsync the partial file's data, then replace the resume record with one
// that claims only what was flushed before, so a kill -9 at any instant never claims missing bytes.
import type { FileHandle } from 'node:fs/promises'
import { writeResumeRecord, type RemoteIdentity, type RequestIdentity } from './resume-record.js'
import type { ByteRange } from './segments.js'

/** Checkpoints are at most this far apart, however slow fsync is. */
const MAX_CHECKPOINT_INTERVAL_MS = 2000

export interface CheckpointerOptions {
  handle: FileHandle
  recordPath: string
  request: RequestIdentity
  remote: RemoteIdentity
  /** The byte ranges written to the partial file right now (fsync makes them safe). */
  flushedRanges: () => ByteRange[]
  /** Least time between checkpoints, in ms (default 100). */
  minIntervalMs?: number | undefined
}

export class Checkpointer {
  #chain = Promise.resolve()
  #lastSyncMs = 0
  #timer: NodeJS.Timeout | undefined
  #running = false
  /** The ranges the last record written claims (the one written before the first byte, until a checkpoint succeeds). */
  #claimed: ByteRange[]

  constructor(private readonly options: CheckpointerOptions & { claimed: ByteRange[] }) {
    this.#claimed = options.claimed
  }

  /** What the resume record on disk claims now: what the next run resumes from. */
  get claimed(): readonly ByteRange[] {
    return this.#claimed
  }

  /** One checkpoint now, after any in flight (two never interleave; a failed one does not block the next). */
  checkpoint(): Promise<void> {
    this.#chain = this.#chain
      .catch(() => {})
      .then(async () => {
        const claimed = this.options.flushedRanges()
        const t0 = performance.now()
        await this.options.handle.datasync()
        this.#lastSyncMs = performance.now() - t0
        await writeResumeRecord(this.options.recordPath, {
          format: 1,
          request: this.options.request,
          remote: this.options.remote,
          done: claimed,
        })
        this.#claimed = claimed
      })
    return this.#chain
  }

  /** Waits for the checkpoint in flight, if any, whatever its outcome. */
  settled(): Promise<void> {
    return this.#chain.catch(() => {})
  }

  /**
   * Checkpoints on a timer. The bytes at risk on a crash are those since the last checkpoint: checkpoint
   * often while fsync is cheap, less often when it is slow (a fast download leaves much dirty data to flush).
   */
  start(): void {
    this.#running = true
    this.#schedule()
  }

  stop(): void {
    this.#running = false
    clearTimeout(this.#timer)
  }

  #schedule(): void {
    const wait = Math.min(MAX_CHECKPOINT_INTERVAL_MS, Math.max(this.options.minIntervalMs ?? 100, this.#lastSyncMs * 2))
    this.#timer = setTimeout(() => {
      void this.checkpoint()
        // A failed checkpoint only means less to resume from; the writes themselves report disk errors.
        .catch(() => {})
        .then(() => {
          if (this.#running) this.#schedule()
        })
    }, wait)
    this.#timer.unref()
  }
}
