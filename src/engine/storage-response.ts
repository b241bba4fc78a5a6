// Reading OSS answers: XML error bodies, and what each failure means for the download engine.
import { DtdlError, ExitCode } from '../errors.js'

/** A non-success answer from an OSS host, with what OSS said. */
export class StorageResponseError extends DtdlError {
  override name = 'StorageResponseError'
  /** OSS's own <Code> ('' when the body had none): what the retry decision reads. */
  readonly ossCode: string
  readonly retryAfterMs: number | undefined
  constructor(
    status: number,
    ossCode: string,
    message: string,
    requestId: string | undefined,
    retryAfterMs: number | undefined,
  ) {
    super(ossCode || `HTTP_${status}`, status === 404 ? ExitCode.notFound : ExitCode.remote, message, {
      status,
      requestId,
      hint: storageHint(status, ossCode),
    })
    this.ossCode = ossCode
    this.retryAfterMs = retryAfterMs
  }
}

/** Pulls `<Code>` and `<Message>` out of an OSS XML error body; tolerant of anything else. */
export function parseOssError(body: string): { code: string; message: string } {
  const pick = (tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(body)?.[1]?.trim() ?? ''
  return { code: pick('Code'), message: pick('Message') }
}

function storageHint(status: number, code: string): string | undefined {
  if (code === 'SignatureDoesNotMatch')
    return 'the storage host refused the request signature: a proxy that adds headers (such as Content-Type) can cause this'
  if (status === 404) return 'the file is gone from storage: check the dentryId and --version'
  if (status >= 500) return 'the storage host failed: run the same command again later, it resumes'
  return undefined
}

/** The object is not the one the download started with (a 412, or another validator). */
export function remoteChangedError(): DtdlError {
  return new DtdlError('REMOTE_CHANGED', ExitCode.remote, 'the file changed on the server during the download', {
    hint: 'run the same command again to download the new version',
  })
}
