// `-o -`: the bytes in order on one connection into a stream (stdout), for pipes; retries resume in place.
import { createHash, type Hash } from 'node:crypto'
import type { Writable } from 'node:stream'
import { once } from 'node:events'
import { crc64 } from '../crc64/crc64.js'
import { IntegrityError, NetworkError, OutputClosedError, toFileSystemError } from '../errors.js'
import { discard, openRemote, probeRemote, type DownloadOptions, type DownloadResult, type RemoteObject } from './download.js'
import { RangeUnsupportedError, remoteChangedError } from './resource-fetcher.js'
import { checkRangeResponse } from './segments.js'
import { sha256MismatchError } from './verify.js'
import { resourceHosts } from './signed-url-source.js'
import { headerValue } from '../http/dispatcher.js'

export type StreamOptions = Omit<DownloadOptions, 'target' | 'connections' | 'force' | 'checkpointIntervalMs'> & { out: Writable }

/**
 * Streams the file into `out`. What was written cannot be taken back, so verification can only report:
 * a CRC-64 or SHA-256 mismatch exits 6 after the bytes went out, and the message says so.
 */
export async function streamFile(options: StreamOptions): Promise<DownloadResult> {
  const started = performance.now()
  const emit = options.onEvent ?? (() => {})
  const signal = options.signal ?? new AbortController().signal
  const { source, fetcher } = await openRemote(options)
  try {
    const remote = await probeRemote(fetcher, signal)
    const sha = options.sha256 !== undefined ? createHash('sha256') : undefined
    let pos = 0
    let crc = 0n
    const info = source.current
    emit({ type: 'start', size: remote.size, resumedBytes: 0, connections: 1, etag: remote.etag, crc64: remote.crc?.toString() ?? null, region: info.region, hosts: resourceHosts(info) })
    const progressTimer = setInterval(() => emit({ type: 'progress', receivedBytes: pos, completedBytes: pos, size: remote.size }), 200)
    progressTimer.unref()
    // A reader that goes away (`| head -c 100`) is a normal end; any other write error is the file system's.
    const outClosed = new Promise<never>((_, reject) =>
      options.out.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EPIPE' ? new OutputClosedError('stdout', { cause: err }) : toFileSystemError(err, 'stdout', 'write to'))),
    )
    outClosed.catch(() => {})
    try {
      let before = 0
      await fetcher.withRecovery(
        'stream',
        signal,
        async (inf, url, reqSignal) => {
          before = pos
          if (pos >= remote.size) return
          const asked = { start: pos, end: remote.size }
          const res = await fetcher.request(inf, url, remote.rangeIgnored ? undefined : asked, reqSignal)
          if (remote.etag !== null && res.etag !== null && res.etag !== remote.etag) {
            discard(res.body)
            throw remoteChangedError()
          }
          // Without Range support a retry restarts at byte 0: skip what the pipe already has.
          let skip = remote.rangeIgnored ? pos : 0
          if (!remote.rangeIgnored && checkRangeResponse(res.status, headerValue(res.headers, 'content-range'), asked, remote.size) !== 'ok') {
            discard(res.body)
            throw new RangeUnsupportedError('the storage host answered a Range request with other bytes than asked; the stream cannot continue')
          }
          try {
            for await (const chunk of res.body as AsyncIterable<Buffer>) {
              fetcher.touch()
              let data = chunk
              if (skip > 0) {
                const drop = Math.min(skip, data.length)
                skip -= drop
                data = data.subarray(drop)
                if (data.length === 0) continue
              }
              crc = crc64(data, crc)
              sha?.update(data)
              pos += data.length
              // Backpressure: wait for the pipe's reader rather than buffering the file in memory.
              if (!options.out.write(data)) await Promise.race([once(options.out, 'drain'), outClosed])
              if (fetcher.limiter) await fetcher.limiter.take(data.length, signal)
            }
          } finally {
            if (!res.body.readableEnded) discard(res.body)
          }
          if (pos < remote.size) throw new NetworkError(`the connection closed ${remote.size - pos} bytes early`, { code: 'PREMATURE_CLOSE' })
        },
        () => pos > before,
      )
    } finally {
      clearInterval(progressTimer)
    }
    const checked = checkStreamed(remote, crc, sha, options)
    return {
      path: '-',
      bytes: remote.size,
      etag: remote.etag,
      crc64: remote.crc?.toString() ?? null,
      checked,
      upToDate: false,
      resumedBytes: 0,
      retries: fetcher.retries,
      urlRefreshes: source.refreshes,
      connections: 1,
      durationMs: Math.round(performance.now() - started),
    }
  } finally {
    fetcher.dispose()
  }
}

/** What can be said of bytes already gone out: size, the CRC-64 when the server sent one, the SHA-256 when given. */
function checkStreamed(remote: RemoteObject, crc: bigint, sha: Hash | undefined, options: StreamOptions): DownloadResult['checked'] {
  const emit = options.onEvent ?? (() => {})
  const checked: DownloadResult['checked'] = ['size']
  if (remote.crc !== null) {
    if (crc !== remote.crc) {
      throw new IntegrityError('CRC64_MISMATCH', `the streamed bytes failed their CRC-64 check (the server says ${remote.crc}, the bytes give ${crc}): the output is corrupt`, {
        hint: 'discard the output and run again; to get automatic re-download, save to a file with -o <path>',
      })
    }
    checked.push('crc64')
  } else emit({ type: 'note', message: 'the server sent no CRC-64 for this file: it was checked by size only' })
  if (sha !== undefined && options.sha256 !== undefined) {
    const actual = sha.digest('hex')
    if (actual !== options.sha256.toLowerCase()) throw sha256MismatchError(actual, options.sha256, options.sha256From, 'the output does not match')
    checked.push('sha256')
  }
  return checked
}
