// The engine's entry points: a file (its target claimed, then the fetch pipeline) or a stream to stdout.
import { STALE_MS, claimTarget, describeOwner } from './target-claim.js'
import { numberDefault } from '../config/options.js'
import { fetchToFile, fetchToStream, type StreamOptions } from './pipeline.js'
import type { DownloadOptions, DownloadResult } from './types.js'

export type { DownloadEvent, DownloadOptions, DownloadResult, RemoteObject } from './types.js'
export type { StreamOptions } from './pipeline.js'

/**
 * Downloads one file; resolves with what was done, or throws a DtdlError (the abort reason on abort).
 * The target is claimed first (before any request, record or partial file), so two dtdl processes, or two
 * files of one batch, never write one target at once; the claim goes when this returns or throws.
 */
export async function downloadFile(options: DownloadOptions): Promise<DownloadResult> {
  const emit = options.onEvent ?? (() => {})
  const signal = options.signal ?? new AbortController().signal
  const claim = await claimTarget(options.target, {
    waitMs: options.lockWaitMs ?? numberDefault('lockWaitMs'),
    signal,
    onWait: (owner) =>
      emit({ type: 'waiting', message: `waiting for ${describeOwner(owner)} downloading ${options.target}` }),
    onTakeOver: (owner, why) =>
      emit({
        type: 'note',
        message: `taking over ${options.target} from ${describeOwner(owner)}, which ${why === 'gone' ? 'is no longer running' : `has not touched its claim for ${STALE_MS / 1000}s`}`,
      }),
  })
  try {
    return await fetchToFile(options, AbortSignal.any([signal, claim.lost]))
  } finally {
    await claim.release()
  }
}

/**
 * Streams the file into `options.out` (stdout for `-o -`), in order on one connection; a retry continues where
 * the stream is. What was written cannot be taken back: a failed check exits 6 after the bytes went out.
 */
export async function streamFile(options: StreamOptions): Promise<DownloadResult> {
  return fetchToStream(options, options.signal ?? new AbortController().signal)
}
