// Keeps the signed download info fresh: one refresh per expiry shared by every connection.
import type { DownloadInfo } from '../dingtalk/client.js'

export interface SignedInfo extends DownloadInfo {
  /** Increases with each refresh, so a connection can tell whether its 403 is already dealt with. */
  generation: number
}

/**
 * Refresh this long before the signature would expire: OSS checks expiry when a request arrives, so a
 * request must start with time to spare. 60 s for the usual 900 s, less for short-lived test signatures.
 */
export function expiryMarginMs(expirationSeconds: number): number {
  return Math.min(60_000, expirationSeconds * 100)
}

/** Pure: must new requests wait for fresh download info? */
export function isNearExpiry(info: DownloadInfo, now: number): boolean {
  return now >= info.issuedAt + info.expirationSeconds * 1000 - expiryMarginMs(info.expirationSeconds)
}

export class SignedUrlSource {
  #current: SignedInfo
  #pending: Promise<SignedInfo> | undefined
  #refreshes = 0
  readonly #fetch: () => Promise<DownloadInfo>
  readonly #onRefresh: (reason: string) => void

  constructor(initial: DownloadInfo, fetchInfo: () => Promise<DownloadInfo>, onRefresh: (reason: string) => void) {
    this.#current = { ...initial, generation: 0 }
    this.#fetch = fetchInfo
    this.#onRefresh = onRefresh
  }

  get current(): SignedInfo {
    return this.#current
  }

  get refreshes(): number {
    return this.#refreshes
  }

  /** The info to start a request with: refreshed first when the signature is about to expire. */
  async forNewRequest(now = Date.now()): Promise<SignedInfo> {
    if (isNearExpiry(this.#current, now)) return this.refresh(this.#current.generation, 'the signed URL is about to expire')
    return this.#current
  }

  /**
   * Fetches new info unless someone already did since `seenGeneration`: connections that hit the same
   * expiry together share one call.
   */
  refresh(seenGeneration: number, reason: string): Promise<SignedInfo> {
    if (this.#current.generation > seenGeneration) return Promise.resolve(this.#current)
    this.#pending ??= this.#fetch().then(
      (info) => {
        this.#current = { ...info, generation: this.#current.generation + 1 }
        this.#refreshes++
        this.#pending = undefined
        this.#onRefresh(reason)
        return this.#current
      },
      (err: unknown) => {
        this.#pending = undefined
        throw err
      },
    )
    return this.#pending
  }
}
