// The download engine: signed info → size probe → Range segments over N connections into one partial file,
// checkpointed for resume, verified (size, CRC-64, optional SHA-256), then renamed into place.
import { open, rename } from 'node:fs/promises'
import { IntegrityError, toFileSystemError } from '../errors.js'
import { checkExistingTarget, checkUpToDateSha256 } from './existing-target.js'
import { openRemote, probeRemote } from './remote.js'
import { partialPathFor, removeResumeFiles } from './resume-record.js'
import { DEFAULT_LOCK_WAIT_MS, STALE_MS, claimTarget, describeOwner } from './target-claim.js'
import { transfer } from './transfer.js'
import type { DownloadOptions, DownloadResult } from './types.js'
import { fileSha256, sha256MismatchError, wholeFileCrc } from './verify.js'
import { fetchSmallFile } from './small-file.js'

export type { DownloadEvent, DownloadOptions, DownloadResult, RemoteObject } from './types.js'
export { discard, openRemote, probeRemote } from './remote.js'

/**
 * Downloads one file; resolves with what was done, or throws a DtdlError (the abort reason on abort).
 * The target is claimed first (before any request, record or partial file), so two dtdl processes, or two
 * files of one batch, never write one target at once; the claim goes when this returns or throws.
 */
export async function downloadFile(options: DownloadOptions): Promise<DownloadResult> {
  const started = performance.now()
  const emit = options.onEvent ?? (() => {})
  const signal = options.signal ?? new AbortController().signal
  const claim = await claimTarget(options.target, {
    waitMs: options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS,
    signal,
    onWait: (owner) => emit({ type: 'waiting', message: `waiting for ${describeOwner(owner)} downloading ${options.target}` }),
    onTakeOver: (owner, why) =>
      emit({ type: 'note', message: `taking over ${options.target} from ${describeOwner(owner)}, which ${why === 'gone' ? 'is no longer running' : `has not touched its claim for ${STALE_MS / 1000}s`}` }),
  })
  try {
    return await downloadClaimed({ ...options, signal: AbortSignal.any([signal, claim.lost]) }, started)
  } finally {
    await claim.release()
  }
}

async function downloadClaimed(options: DownloadOptions, started: number): Promise<DownloadResult> {
  const emit = options.onEvent ?? (() => {})
  const { source, fetcher } = await openRemote(options)
  const signal = options.signal ?? new AbortController().signal
  try {
    // A small file whose size is known comes in one GET with no probe; undefined: the engine below does it.
    const small = await fetchSmallFile({ ...options, signal }, fetcher)
    if (small) return { path: options.target, ...small, retries: fetcher.retries, urlRefreshes: source.refreshes, durationMs: Math.round(performance.now() - started) }
    const remote = await probeRemote(fetcher, signal)
    const result = (checked: DownloadResult['checked'], extra: { upToDate: boolean; resumedBytes: number; connections: number }): DownloadResult => ({
      path: options.target,
      bytes: remote.size,
      etag: remote.etag,
      crc64: remote.crc === null ? null : remote.crc.toString(),
      checked,
      retries: fetcher.retries,
      urlRefreshes: source.refreshes,
      durationMs: Math.round(performance.now() - started),
      ...extra,
    })

    const existing = await checkExistingTarget(options, remote, emit)
    if (existing === 'same') {
      const checked: DownloadResult['checked'] = remote.crc === null ? ['size'] : ['size', 'crc64']
      // Up to date still runs every check the user asked for: a wrong SHA-256 must not pass as "up to date".
      if (options.sha256 !== undefined) {
        emit({ type: 'verify', check: 'sha256' })
        await checkUpToDateSha256(options.target, options.sha256, options.sha256From, remote.crc !== null)
        checked.push('sha256')
      }
      return result(checked, { upToDate: true, resumedBytes: 0, connections: 0 })
    }

    // A CRC mismatch may be one corrupted response: download once more from scratch before calling it failed.
    for (let round = 1; ; round++) {
      const outcome = await transfer(options, fetcher, source, remote, signal)
      const checked: DownloadResult['checked'] = ['size']
      const partial = partialPathFor(options.target)
      if (remote.crc !== null) {
        emit({ type: 'verify', check: 'crc64' })
        const actual = await wholeFileCrc(partial, remote.size, outcome.seen)
        if (actual !== remote.crc) {
          await removeResumeFiles(options.target)
          if (round === 1) {
            emit({ type: 'note', message: `CRC-64 mismatch (expected ${remote.crc}, got ${actual}): downloading the file once more from scratch` })
            continue
          }
          throw new IntegrityError('CRC64_MISMATCH', `the downloaded file failed its CRC-64 check twice (the server says ${remote.crc}, the bytes give ${actual}); nothing was written to ${options.target}`, {
            hint: 'the storage host or something between it and you corrupts the data: try another network or --no-intranet, and report it with the file id',
          })
        }
        checked.push('crc64')
      } else {
        emit({ type: 'note', message: 'the server sent no CRC-64 for this file: it was checked by size only' })
      }
      if (options.sha256 !== undefined) {
        emit({ type: 'verify', check: 'sha256' })
        const actual = await fileSha256(partial)
        // The bytes stay beside the target: a re-run with a corrected --sha256 finishes at once.
        if (actual !== options.sha256.toLowerCase()) throw sha256MismatchError(actual, options.sha256, options.sha256From, `nothing was written to ${options.target}`)
        checked.push('sha256')
      }
      await commitPartial(options.target)
      return result(checked, { upToDate: false, resumedBytes: outcome.resumedBytes, connections: outcome.connections })
    }
  } finally {
    fetcher.dispose()
  }
}

/** Fsyncs the finished partial file and renames it over the target: the target appears complete or not at all. */
async function commitPartial(target: string): Promise<void> {
  const partial = partialPathFor(target)
  try {
    const handle = await open(partial, 'r+')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(partial, target)
  } catch (err) {
    throw toFileSystemError(err, target, 'write')
  }
  await removeResumeFiles(target)
}

