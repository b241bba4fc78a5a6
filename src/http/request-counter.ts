// What one run cost: every DingTalk API call and every storage request sent, retries and throttled ones included;
// and --max-api-calls, the cap no run goes past.
import { ApiBudgetError } from '../errors.js'

/** The DingTalk APIs dtdl calls, by the names the README, --json and the emulator use. */
export const API_KINDS = [
  'token',
  'dentry',
  'list',
  'downloadInfo',
  'versions',
  'dentryUuid',
  'workspaces',
  'user',
] as const
export type ApiKind = (typeof API_KINDS)[number]

/** The counts a run reports: in --json, on the end line, and in the library's results. */
export interface RequestCounts {
  /** Every API request sent, by kind; `total` is their sum. */
  apiCalls: { total: number } & Record<ApiKind, number>
  /** Every GET sent to a resource (storage) URL. */
  storageRequests: number
  /** API answers that said "throttled" or "busy" (each was waited out and retried; already in apiCalls). */
  apiThrottled: number
  /** The codes those answers carried (e.g. Forbidden.AccessDenied.QpsLimitForAppkeyAndApi, systemBusy), each once. */
  apiThrottledCodes: string[]
}

/**
 * One per run, created with the connection and handed down to whoever sends requests: the library runs
 * several calls in one process, so a module-level tally would mix them up.
 */
export class RequestCounter {
  readonly #api = new Map<ApiKind, number>()
  #apiTotal = 0
  #storage = 0
  #throttled = 0
  readonly #codes = new Set<string>()

  /**
   * `cap`: --max-api-calls, the most API calls this run may send; the one that would be one too many throws
   * ApiBudgetError instead of being sent, after `onCap` (which stops the run) was told.
   */
  constructor(
    private readonly budget: { cap?: number | undefined; onCap?: ((err: ApiBudgetError) => void) | undefined } = {},
  ) {}

  /** An API request is about to be sent: counted, or refused when --max-api-calls is reached. */
  api(kind: ApiKind): void {
    const { cap } = this.budget
    if (cap !== undefined && this.#apiTotal >= cap) {
      const err = new ApiBudgetError(cap)
      this.budget.onCap?.(err)
      throw err
    }
    this.#apiTotal++
    this.#api.set(kind, (this.#api.get(kind) ?? 0) + 1)
  }

  /** A storage (resource URL) request is about to be sent. */
  storage(): void {
    this.#storage++
  }

  /** An API answer was a throttling or busy answer. */
  throttled(code: string): void {
    this.#throttled++
    this.#codes.add(code)
  }

  snapshot(): RequestCounts {
    const byKind = Object.fromEntries(API_KINDS.map((k) => [k, this.#api.get(k) ?? 0])) as Record<ApiKind, number>
    const total = API_KINDS.reduce((n, k) => n + byKind[k], 0)
    return {
      apiCalls: { total, ...byKind },
      storageRequests: this.#storage,
      apiThrottled: this.#throttled,
      apiThrottledCodes: [...this.#codes],
    }
  }
}
