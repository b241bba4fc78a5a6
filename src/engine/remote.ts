// The remote object as the engine first meets it: the signed-URL source, the fetcher, and the 1-byte probe.
import { DtdlError, ExitCode } from '../errors.js'
import { headerValue } from '../http/dispatcher.js'
import { RateLimiter } from './rate-limiter.js'
import { ResourceFetcher } from './resource-fetcher.js'
import type { ResourceResponse } from './resource-request.js'
import { parseContentRange } from './segments.js'
import { SignedUrlSource } from './signed-url-source.js'
import type { DownloadOptions, RemoteObject } from './types.js'

/** Sets up the signed-info source and the fetcher both download modes share. */
export async function openRemote(options: Pick<DownloadOptions, 'getDownloadInfo' | 'dispatcher' | 'retries' | 'stallTimeoutMs' | 'log' | 'limitRate' | 'limiter' | 'onEvent' | 'requests'>) {
  const emit = options.onEvent ?? (() => {})
  const source = new SignedUrlSource(await options.getDownloadInfo(), options.getDownloadInfo, (reason) => emit({ type: 'refresh', reason }))
  const fetcher = new ResourceFetcher({
    source,
    dispatcher: options.dispatcher,
    retries: options.retries ?? 5,
    stallTimeoutMs: options.stallTimeoutMs ?? 30_000,
    log: options.log,
    onEvent: emit,
    limiter: options.limiter ?? (options.limitRate !== undefined ? new RateLimiter(options.limitRate) : undefined),
    requests: options.requests,
  })
  return { source, fetcher }
}

/** Size, ETag and CRC from a 1-byte GET: HEAD is not signed, so it cannot be used. */
export async function probeRemote(fetcher: ResourceFetcher, signal: AbortSignal): Promise<RemoteObject> {
  const probe = await fetcher.withRecovery('size probe', signal, (info, url, sig) => fetcher.request(info, url, { start: 0, end: 1 }, sig, 'probe'))
  // The probe's one byte is not worth waiting for: a broken or silent probe body must not hold up the start.
  discard(probe.body)
  const size = probeSize(probe)
  // OSS answers a Range on an empty object with 200 by design: that says nothing about Range support.
  return { size, etag: probe.etag, crc: probe.crc64, rangeIgnored: probe.status === 200 && size > 0 }
}

/** Drops a response body we will not read; undici reports the abort as an 'error' nobody needs to hear. */
export function discard(body: ResourceResponse['body']): void {
  body.on('error', () => {})
  body.destroy()
}

/** Size from the probe: Content-Range's total on a 206, Content-Length on a 200 (Range ignored). */
function probeSize(probe: ResourceResponse): number {
  const total = parseContentRange(headerValue(probe.headers, 'content-range'))?.total
  if (probe.status === 206 && total !== undefined) return total
  const length = headerValue(probe.headers, 'content-length')
  if (probe.status === 200 && length !== undefined && /^\d+$/.test(length)) return Number(length)
  throw new DtdlError('NO_SIZE', ExitCode.remote, 'the storage host did not say how large the file is (no Content-Range or Content-Length)')
}
