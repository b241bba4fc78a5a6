// What an interrupted batch had done: gathered from its events, since an interruption returns no result.
import { summarize, type BatchEvent, type BatchFileResult, type BatchSummary } from '../batch/results.js'
import type { Kept } from './end-lines.js'

/** Watches a batch's events; after an interruption, says what was finished, failed and kept. */
export class BatchSoFar {
  readonly #started = performance.now()
  #planned = false
  #total = 0
  readonly #done = new Map<number, BatchFileResult>()
  /** Bytes on disk of files still in flight (their partial files stay for the next run). */
  readonly #active = new Map<number, number>()

  event(e: BatchEvent): void {
    if (e.type === 'plan') {
      this.#planned = true
      this.#total = e.bytes
    } else if (e.type === 'file-event' && (e.event.type === 'progress' || e.event.type === 'start')) {
      this.#active.set(e.index, e.event.type === 'start' ? e.event.resumedBytes : e.event.completedBytes)
    } else if (e.type === 'file-done') {
      this.#active.delete(e.index)
      this.#done.set(e.index, e.file)
    }
  }

  /** False while the batch was still being planned (listing a folder, looking up lines). */
  get planned(): boolean {
    return this.#planned
  }

  /** Finished files, in the batch's order. */
  get files(): BatchFileResult[] {
    return [...this.#done.entries()].sort((a, b) => a[0] - b[0]).map(([, f]) => f)
  }

  get summary(): BatchSummary {
    return summarize(this.files, Math.round(performance.now() - this.#started))
  }

  /** Finished files' bytes plus the partial files' (of the plan's total); undefined before the plan. */
  get kept(): Kept | undefined {
    if (!this.#planned) return undefined
    let bytes = 0
    for (const f of this.#done.values()) if (f.status !== 'failed') bytes += f.bytes
    for (const n of this.#active.values()) bytes += n
    return { bytes, size: Math.max(this.#total, bytes) }
  }
}
