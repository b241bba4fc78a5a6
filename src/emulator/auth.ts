// Credentials the emulator checks: app tokens for the API, and OSS-style header signatures for resource URLs.

import { createHmac, randomBytes } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'

/** Minted access tokens: one current token per app, reused while valid, as DingTalk does. */
export class TokenBook {
  readonly #fixed: Set<string>
  readonly #minted = new Map<string, number>()
  #current: { token: string; expiresAt: number } | undefined

  constructor(
    fixed: string[],
    readonly ttlSeconds: number,
  ) {
    this.#fixed = new Set(fixed)
  }

  mint(now = Date.now()): { accessToken: string; expireIn: number } {
    if (!this.#current || this.#current.expiresAt <= now) {
      const token = randomBytes(16).toString('hex')
      this.#current = { token, expiresAt: now + this.ttlSeconds * 1000 }
      this.#minted.set(token, this.#current.expiresAt)
    }
    // A reused token reports the time it has left, not a fresh TTL.
    return {
      accessToken: this.#current.token,
      expireIn: Math.max(0, Math.ceil((this.#current.expiresAt - now) / 1000)),
    }
  }

  isValid(token: string | undefined, now = Date.now()): boolean {
    if (token === undefined || token === '') return false
    if (this.#fixed.has(token)) return true
    const expiresAt = this.#minted.get(token)
    return expiresAt !== undefined && expiresAt > now
  }

  revoke(): void {
    this.#minted.clear()
    this.#current = undefined
  }

  /** A token to show people: the first fixed one, else whatever is current. */
  get displayToken(): string | undefined {
    return [...this.#fixed][0] ?? this.#current?.token
  }
}

export type SignatureCheck = { ok: true; issuedAt: number } | { ok: false; message: string }

/**
 * Signs resource paths the way OSS header signatures work: HMAC-SHA1 over method, Content-MD5,
 * Content-Type, date, x-oss-date and the path. Content-Type is in the string to sign, which is why a
 * client that adds one breaks the signature.
 */
export class Signer {
  readonly accessKeyId = 'LTAI5tDtdlEmulatorKey'
  readonly #secret = randomBytes(24)
  // Exact issue times: x-oss-date has whole seconds only, too coarse for 1-second TTLs in tests.
  readonly #issuedAt = new Map<string, number>()

  sign(objectPath: string, now = Date.now()): { Authorization: string; 'x-oss-date': string } {
    const date = new Date(now).toUTCString()
    const authorization = `OSS ${this.accessKeyId}:${this.#hmac('GET', '', '', date, objectPath)}`
    this.#issuedAt.set(authorization, now)
    return { Authorization: authorization, 'x-oss-date': date }
  }

  verify(method: string, headers: IncomingHttpHeaders, objectPath: string): SignatureCheck {
    const authorization = headers.authorization
    const date = headers['x-oss-date']
    if (!authorization || typeof date !== 'string')
      return { ok: false, message: 'Authorization and x-oss-date are required.' }
    if (headers['content-type'] !== undefined) {
      return {
        ok: false,
        message:
          'The request signature we calculated does not match the signature you provided (Content-Type is signed).',
      }
    }
    const contentMd5 = typeof headers['content-md5'] === 'string' ? headers['content-md5'] : ''
    const expected = `OSS ${this.accessKeyId}:${this.#hmac(method, contentMd5, '', date, objectPath)}`
    if (authorization !== expected) {
      return { ok: false, message: 'The request signature we calculated does not match the signature you provided.' }
    }
    return { ok: true, issuedAt: this.#issuedAt.get(authorization) ?? Date.parse(date) }
  }

  #hmac(method: string, contentMd5: string, contentType: string, date: string, objectPath: string): string {
    const toSign = `${method}\n${contentMd5}\n${contentType}\n${date}\nx-oss-date:${date}\n${objectPath}`
    return createHmac('sha1', this.#secret).update(toSign).digest('base64')
  }
}
