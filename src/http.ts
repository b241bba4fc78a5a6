// The one HTTP transport every request goes through: undici, with HTTP(S)_PROXY / NO_PROXY honoured.
import type { Dispatcher } from 'undici'

/** One line of `--verbose`: what was asked, what came back, how long it took. URLs are already redacted. */
export interface HttpLogEntry {
  method: string
  url: string
  status: number | string
  durationMs: number
  note?: string
}
export type HttpLogger = (entry: HttpLogEntry) => void

/**
 * Creates the shared dispatcher. EnvHttpProxyAgent sends requests through HTTPS_PROXY / HTTP_PROXY unless
 * NO_PROXY matches, and behaves as a plain Agent when none is set.
 */
export async function createDispatcher(options: { connectionsPerOrigin?: number } = {}): Promise<Dispatcher> {
  const { EnvHttpProxyAgent } = await import('undici')
  return new EnvHttpProxyAgent({
    connections: options.connectionsPerOrigin ?? 32,
    keepAliveTimeout: 10_000,
    // Stalls are detected by the engine itself (--stall-timeout); these are the outer safety nets.
    headersTimeout: 60_000,
    bodyTimeout: 0,
  })
}

/** Reads a response body as text, bounded so a hostile error page cannot eat memory. */
export async function readBodyText(body: AsyncIterable<Uint8Array>, limit = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    if (size < limit) chunks.push(Buffer.from(chunk))
    size += chunk.length
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8')
}

export function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name.toLowerCase()]
  return Array.isArray(v) ? v[0] : v
}
