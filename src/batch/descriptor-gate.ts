// Running out of open files (EMFILE, ENFILE) in a batch: fewer files at a time from then on, and the file that
// met it tried again, so the run goes on with the files it can instead of failing them one after another.

/** The codes of an exhausted descriptor table, as the disk (FS_) or the network (NET_) reports it. */
const EXHAUSTED = /^(FS|NET)_E[MN]FILE$/

/** A file is tried this many times when descriptors run out, so a limit too low for even one file still ends. */
const TRIES = 6
/**
 * Before trying again, a file waits this long times its try: what holds descriptors meanwhile (other files,
 * and idle connections the pool keeps for a few seconds) has time to let go of them.
 */
const BACKOFF_MS = 500

/** Pure: does this error say the process (or the system) may open no more files? */
export const isDescriptorExhaustion = (err: unknown): boolean =>
  EXHAUSTED.test((err as { code?: unknown } | undefined)?.code?.toString() ?? '')

/**
 * How many files may run at once: `jobs`, lowered by one (to at least one) each time a file meets EMFILE.
 * `run` waits for a slot, runs the work, and on EMFILE lowers the count and tries again; `onFirst` is told once.
 */
export class DescriptorGate {
  #limit: number
  #running = 0
  readonly #waiting: (() => void)[] = []
  #told = false

  constructor(
    jobs: number,
    private readonly onFirst: () => void,
    private readonly backoffMs = BACKOFF_MS,
  ) {
    this.#limit = jobs
  }

  get limit(): number {
    return this.#limit
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      await this.#acquire()
      try {
        return await work()
      } catch (err) {
        if (!isDescriptorExhaustion(err) || attempt >= TRIES) throw err
        if (!this.#told) this.onFirst()
        this.#told = true
        this.#limit = Math.max(1, Math.min(this.#limit, this.#running) - 1)
      } finally {
        this.#release()
      }
      // Out of its slot: what holds descriptors meanwhile (other files, idle pooled connections) lets go.
      await new Promise((wake) => setTimeout(wake, this.backoffMs * attempt))
    }
  }

  async #acquire(): Promise<void> {
    while (this.#running >= this.#limit) await new Promise<void>((wake) => this.#waiting.push(wake))
    this.#running++
  }

  #release(): void {
    this.#running--
    this.#waiting.shift()?.()
  }
}
