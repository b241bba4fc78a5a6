// Secrets never reach output: one place that masks tokens, app secrets, signatures and signed headers.

/** Shows only enough of a secret to tell two apart: "abcd****(32 chars)". */
export function maskSecret(value: string): string {
  if (value.length <= 8) return '****'
  return `${value.slice(0, 4)}****(${value.length} chars)`
}

// Query parameters that carry signatures or credentials on signed URLs (OSS, STS, S3-style, DingTalk).
const SECRET_QUERY =
  /^(signature|x-oss-signature|x-oss-credential|x-oss-security-token|ossaccesskeyid|security-token|x-amz-signature|x-amz-credential|x-amz-security-token|access_token|accesstoken|token|sign|auth_key|expires|x-oss-expires)$/i

/** A URL fit for logs: the query values that sign or authorize the request are replaced by "***". */
export function redactUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return url
  }
  parsed.username = ''
  parsed.password = ''
  for (const key of [...parsed.searchParams.keys()]) {
    if (SECRET_QUERY.test(key)) parsed.searchParams.set(key, '***')
  }
  return parsed.href.replace(/%2A%2A%2A/g, '***')
}

/**
 * Removes every known secret value from a text before it is printed. The registry is per process:
 * the token and signature values are registered as soon as they are known.
 */
export class SecretRedactor {
  readonly #secrets = new Set<string>()
  /** Secrets by their first PREFIX characters: a line is scanned once, however many secrets a long batch registered. */
  readonly #byPrefix = new Map<string, string[]>()
  static readonly PREFIX = 6
  add(value: string | undefined): void {
    // Very short values would blank out ordinary words; real secrets are long.
    if (value === undefined || value.length < SecretRedactor.PREFIX || this.#secrets.has(value)) return
    this.#secrets.add(value)
    const key = value.slice(0, SecretRedactor.PREFIX)
    const list = this.#byPrefix.get(key) ?? []
    // Longest first, so a secret that contains another is masked whole. Inserted in place: signed headers
    // share their first characters ("OSS LTAI..."), so a mirror of 10,000 files fills one list, and
    // sorting it on every add would cost seconds.
    let [lo, hi] = [0, list.length]
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (list[mid]!.length >= value.length) lo = mid + 1
      else hi = mid
    }
    list.splice(lo, 0, value)
    this.#byPrefix.set(key, list)
  }
  redact(text: string): string {
    if (this.#secrets.size === 0) return text
    const n = SecretRedactor.PREFIX
    let out = ''
    let last = 0
    for (let i = 0; i + n <= text.length;) {
      const found = this.#byPrefix.get(text.slice(i, i + n))?.find((s) => text.startsWith(s, i))
      if (found === undefined) {
        i++
        continue
      }
      out += text.slice(last, i) + maskSecret(found)
      i += found.length
      last = i
    }
    return last === 0 ? text : out + text.slice(last)
  }
}

/** The process-wide redactor the CLI runs every line of output through. */
export const secrets = new SecretRedactor()
