// The remote object as the engine first meets it: the signed-URL source, the fetcher, the 1-byte probe, and what
// proves that later responses are the same object (a strong ETag, the CRC-64, or Last-Modified with the size).
import { numberDefault } from '../config/options.js'
import { DtdlError, ExitCode } from '../errors.js'
import { headerValue } from '../http/dispatcher.js'
import { RateLimiter } from './rate-limiter.js'
import { discard } from './receive.js'
import { ResourceFetcher } from './resource-fetcher.js'
import type { ResourceResponse } from './resource-request.js'
import { parseContentRange } from './segments.js'
import { SignedUrlSource } from './signed-url-source.js'
import type { DownloadOptions, RemoteObject } from './types.js'
import { remoteChangedError } from './storage-response.js'

/** Sets up the signed-info source and the fetcher every download shares. */
export async function openRemote(
  options: Pick<
    DownloadOptions,
    | 'getDownloadInfo'
    | 'dispatcher'
    | 'retries'
    | 'stallTimeoutMs'
    | 'log'
    | 'limitRate'
    | 'limiter'
    | 'onEvent'
    | 'requests'
    | 'speedLimit'
  >,
) {
  const emit = options.onEvent ?? (() => {})
  const source = new SignedUrlSource(await options.getDownloadInfo(), options.getDownloadInfo, (reason) =>
    emit({ type: 'refresh', reason }),
  )
  const fetcher = new ResourceFetcher({
    source,
    dispatcher: options.dispatcher,
    retries: options.retries ?? numberDefault('retries'),
    stallTimeoutMs: options.stallTimeoutMs ?? numberDefault('stallTimeoutMs'),
    log: options.log,
    onEvent: emit,
    // --limit-rate 0 (or none) is no cap.
    limiter: options.limiter ?? (options.limitRate ? new RateLimiter(options.limitRate) : undefined),
    requests: options.requests,
    speedLimit: options.speedLimit,
  })
  return { source, fetcher }
}

/** Size, ETag and CRC from a 1-byte GET: HEAD is not signed, so it cannot be used. */
export async function probeRemote(fetcher: ResourceFetcher, signal: AbortSignal): Promise<RemoteObject> {
  const probe = await fetcher.withRecovery('size probe', signal, (info, url, sig) =>
    fetcher.request(info, url, { start: 0, end: 1 }, sig, 'probe'),
  )
  // The probe's one byte is not worth waiting for: a broken or silent probe body must not hold up the start.
  discard(probe.body)
  const size = probeSize(probe)
  // OSS answers a Range on an empty object with 200 by design: that says nothing about Range support.
  return remoteOf(probe, size, probe.status === 200 && size > 0)
}

/** Pure: the remote object as one response describes it. */
export function remoteOf(
  res: Pick<ResourceResponse, 'etag' | 'crc64' | 'crc64Malformed' | 'lastModified'>,
  size: number,
  rangeIgnored: boolean,
): RemoteObject {
  return {
    size,
    etag: res.etag,
    crc: res.crc64,
    crcMalformed: res.crc64Malformed,
    validator: validatorOf(res, size),
    rangeIgnored,
  }
}

/**
 * Pure: what in a response proves it is one object with another: a strong ETag, else the CRC-64 of the whole
 * object (OSS sends it on every GET), else Last-Modified with the size; null when it offers none of them.
 * A weak ETag (W/"...") promises only equivalent content, not the same bytes: it does not count.
 */
export function validatorOf(
  res: Pick<ResourceResponse, 'etag' | 'crc64' | 'lastModified'>,
  size: number,
): string | null {
  if (res.etag !== null && !/^W\//i.test(res.etag)) return `etag ${res.etag}`
  if (res.crc64 !== null) return `crc64 ${res.crc64}`
  if (res.lastModified !== null) return `last-modified ${res.lastModified}, ${size} bytes`
  return null
}

/**
 * Throws REMOTE_CHANGED unless `res` shows it is the object the download started with. Never called without
 * a validator: then the file comes from one response (see transfer.ts), and nothing is assembled.
 */
export function checkSameObject(remote: RemoteObject, res: ResourceResponse): void {
  if (remote.validator === null || validatorOf(res, remote.size) === remote.validator) return
  discard(res.body)
  throw remoteChangedError()
}

/** Size from the probe: Content-Range's total on a 206, Content-Length on a 200 (Range ignored). */
function probeSize(probe: ResourceResponse): number {
  const total = parseContentRange(headerValue(probe.headers, 'content-range'))?.total
  if (probe.status === 206 && total !== undefined) return total
  const length = headerValue(probe.headers, 'content-length')
  if (probe.status === 200 && length !== undefined && /^\d+$/.test(length)) return Number(length)
  throw new DtdlError(
    'NO_SIZE',
    ExitCode.remote,
    'the storage host did not say how large the file is (no Content-Range or Content-Length)',
  )
}
