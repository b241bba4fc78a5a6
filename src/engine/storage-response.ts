// Reading OSS answers: XML error bodies, and what each failure means for the download engine.
import { DtdlError, ExitCode } from '../errors.js'

/** How the engine reacts to a failed resource request. */
export type StorageAction =
  | 'refresh' // the signature expired or was refused: fetch new download info, then retry
  | 'retry' // transient: back off and retry
  | 'changed' // the object is not the one we started with
  | 'fail' // retrying cannot help

/** A non-success answer from an OSS host, with what OSS said. */
export class StorageResponseError extends DtdlError {
  override name = 'StorageResponseError'
  readonly action: StorageAction
  readonly retryAfterMs: number | undefined
  constructor(status: number, ossCode: string, message: string, requestId: string | undefined, retryAfterMs: number | undefined) {
    const action = classifyStorageFailure(status, ossCode)
    super(ossCode || `HTTP_${status}`, status === 404 ? ExitCode.notFound : ExitCode.remote, message, {
      status,
      requestId,
      hint: storageHint(status, ossCode),
    })
    this.action = action
    this.retryAfterMs = retryAfterMs
  }
}

/** Pulls `<Code>` and `<Message>` out of an OSS XML error body; tolerant of anything else. */
export function parseOssError(body: string): { code: string; message: string } {
  const pick = (tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(body)?.[1]?.trim() ?? ''
  return { code: pick('Code'), message: pick('Message') }
}

/** Pure: the engine's reaction to an OSS status and error code. */
export function classifyStorageFailure(status: number, code: string): StorageAction {
  if (status === 403 && (code === 'RequestTimeTooSkewed' || code === 'AccessDenied' || code === 'SignatureDoesNotMatch' || code === '')) return 'refresh'
  if (status === 412) return 'changed'
  if (status === 408 || status === 429 || status >= 500) return 'retry'
  return 'fail'
}

function storageHint(status: number, code: string): string | undefined {
  if (code === 'SignatureDoesNotMatch') return 'the storage host refused the request signature: a proxy that adds headers (such as Content-Type) can cause this'
  if (status === 404) return 'the file is gone from storage: check the dentryId and --version'
  if (status >= 500) return 'the storage host failed: run the same command again later, it resumes'
  return undefined
}
