// Keeps the signed download info fresh: one refresh per expiry shared by every connection.
/**
 * What the engine needs to know of a file's download info: signed URLs and the headers that sign them. The
 * engine declares it itself (the DingTalk client's answer has this shape), so it knows nothing of the API.
 */
export interface SignedSource {
  /** Public URLs, in order of preference. */
  resourceUrls: string[]
  /** Intranet URLs for dedicated storage; used only when the caller asked for them (see candidateUrls). */
  internalResourceUrls: string[]
  /** Sent exactly as given: they are what the signature covers. */
  headers: Record<string, string>
  expirationSeconds: number
  region: string
  /** Epoch ms when the answer arrived: signatures count from about then. */
  issuedAt: number
  /** Intranet URLs were asked for (--intranet): only then are internalResourceUrls tried. */
  preferIntranet?: boolean | undefined
}

/** The distinct hosts of the resource URLs: what progress and `info` show instead of signed URLs. */
export function resourceHosts(info: Pick<SignedSource, 'resourceUrls'>): string[] {
  return [...new Set(info.resourceUrls.map((u) => new URL(u).host))]
}

/** Download info as the engine uses it: `resourceUrls` holds every URL to try, in order (see candidateUrls). */
export interface SignedInfo extends SignedSource {
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
export function isNearExpiry(info: SignedSource, now: number): boolean {
  return now >= info.issuedAt + info.expirationSeconds * 1000 - expiryMarginMs(info.expirationSeconds)
}

/**
 * Pure: the URLs to try, in order. With intranet URLs asked for (--intranet) and offered, they come first
 * and the public ones follow, so the usual fallback (after repeated byte-less failures, the next URL)
 * reaches the public ones when the intranet is unreachable; never asked for, they are never used.
 */
export function candidateUrls(
  info: Pick<SignedSource, 'resourceUrls' | 'internalResourceUrls' | 'preferIntranet'>,
): string[] {
  if (info.preferIntranet !== true || info.internalResourceUrls.length === 0) return info.resourceUrls
  return [...new Set([...info.internalResourceUrls, ...info.resourceUrls])]
}

const withCandidates = (info: SignedSource, generation: number): SignedInfo => ({
  ...info,
  resourceUrls: candidateUrls(info),
  generation,
})

export class SignedUrlSource {
  #current: SignedInfo
  #pending: Promise<SignedInfo> | undefined
  #refreshes = 0
  readonly #fetch: () => Promise<SignedSource>
  readonly #onRefresh: (reason: string) => void

  constructor(initial: SignedSource, fetchInfo: () => Promise<SignedSource>, onRefresh: (reason: string) => void) {
    this.#current = withCandidates(initial, 0)
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
    if (isNearExpiry(this.#current, now))
      return this.refresh(this.#current.generation, 'the signed URL is about to expire')
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
        this.#current = withCandidates(info, this.#current.generation + 1)
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
