// Secrets never reach output: one place that masks tokens, app secrets, signatures and signed headers.

/** Shows only enough of a secret to tell two apart: "abcd****(32 chars)". */
export function maskSecret(value: string): string {
  if (value.length <= 8) return '****'
  return `${value.slice(0, 4)}****(${value.length} chars)`
}

// Query parameters that carry signatures or credentials on signed URLs (OSS, STS, S3-style, DingTalk).
const SECRET_QUERY = /^(signature|x-oss-signature|x-oss-credential|x-oss-security-token|ossaccesskeyid|security-token|x-amz-signature|x-amz-credential|x-amz-security-token|access_token|accesstoken|token|sign|auth_key|expires|x-oss-expires)$/i

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
  add(value: string | undefined): void {
    // Very short values would blank out ordinary words; real secrets are long.
    if (value !== undefined && value.length >= 6) this.#secrets.add(value)
  }
  redact(text: string): string {
    let out = text
    for (const secret of this.#secrets) out = out.split(secret).join(maskSecret(secret))
    return out
  }
}

/** The process-wide redactor the CLI runs every line of output through. */
export const secrets = new SecretRedactor()
