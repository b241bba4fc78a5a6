// Every failure dtdl reports: a stable `code`, the process `exitCode` the CLI maps it to, and a hint for people.

/** Exit codes are a public contract: scripts test them. Later features extend the table, never renumber it. */
export const ExitCode = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  auth: 3,
  notFound: 4,
  remote: 5,
  integrity: 6,
  fileSystem: 7,
  /**
   * --max-api-calls was reached (rclone's number for its --max-transfer): what was finished is kept, the next run goes
   * on.
   */
  apiBudget: 8,
  /**
   * --max-time ran out, or the transfer stayed below --speed-limit (curl's number for both); what was downloaded is
   * kept.
   */
  timeout: 28,
  interrupted: 130,
  /** The reader of stdout or stderr went away (`| head`): what a process ended by SIGPIPE reports (128 + 13). */
  outputClosed: 141,
  terminated: 143,
} as const
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

export interface DtdlErrorOptions {
  /** What the user can do about it, printed after the message. */
  hint?: string | undefined
  /** DingTalk or OSS request id: what DingTalk support asks for. */
  requestId?: string | undefined
  /** HTTP status of the answer that caused the error, when there was one. */
  status?: number | undefined
  cause?: unknown
}

export class DtdlError extends Error {
  override name = 'DtdlError'
  readonly code: string
  readonly exitCode: ExitCodeValue
  readonly hint: string | undefined
  readonly requestId: string | undefined
  readonly status: number | undefined

  constructor(code: string, exitCode: ExitCodeValue, message: string, options: DtdlErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.exitCode = exitCode
    this.hint = options.hint
    this.requestId = options.requestId
    this.status = options.status
  }
}

/** Bad flags, arguments or local input: exit 2. */
export class UsageError extends DtdlError {
  override name = 'UsageError'
  constructor(message: string, options: DtdlErrorOptions & { code?: string } = {}) {
    super(options.code ?? 'USAGE', ExitCode.usage, message, options)
  }
}

/** An answer from the DingTalk open API that is not a success. */
export class ApiError extends DtdlError {
  override name = 'ApiError'
  constructor(code: string, exitCode: ExitCodeValue, message: string, options: DtdlErrorOptions = {}) {
    super(code, exitCode, message, options)
  }
}

/** The object storage (OSS) host refused or failed a request. */
export class StorageError extends DtdlError {
  override name = 'StorageError'
}

/** The network failed under us: reset, timeout, DNS, refused connection. */
export class NetworkError extends DtdlError {
  override name = 'NetworkError'
  constructor(message: string, options: DtdlErrorOptions & { code?: string } = {}) {
    super(options.code ?? 'NETWORK', ExitCode.remote, message, options)
  }
}

/** The bytes on disk are not the bytes the server has. */
export class IntegrityError extends DtdlError {
  override name = 'IntegrityError'
  constructor(code: string, message: string, options: DtdlErrorOptions = {}) {
    super(code, ExitCode.integrity, message, options)
  }
}

/** Reading or writing a local file failed: exit 7, the path named. */
export class FileSystemError extends DtdlError {
  override name = 'FileSystemError'
  readonly path: string
  constructor(path: string, message: string, options: DtdlErrorOptions & { code?: string } = {}) {
    super(options.code ?? 'FILESYSTEM', ExitCode.fileSystem, message, options)
    this.path = path
  }
}

/** The run was stopped by a signal (or a library caller's AbortSignal: "aborted"); what was downloaded is kept. */
export class InterruptedError extends DtdlError {
  override name = 'InterruptedError'
  constructor(signal: 'SIGINT' | 'SIGTERM' | 'abort' = 'SIGINT', options: DtdlErrorOptions = {}) {
    super(
      'INTERRUPTED',
      signal === 'SIGTERM' ? ExitCode.terminated : ExitCode.interrupted,
      signal === 'abort' ? 'aborted' : `interrupted by ${signal}`,
      options,
    )
  }
}

/**
 * A reader closed the pipe dtdl writes to (`dtdl ... | head`): a normal end, not a failure; nothing more is printed.
 */
export class OutputClosedError extends DtdlError {
  override name = 'OutputClosedError'
  constructor(stream: 'stdout' | 'stderr', options: DtdlErrorOptions = {}) {
    super('OUTPUT_CLOSED', ExitCode.outputClosed, `the reader of ${stream} closed it`, options)
  }
}

/** --max-time ran out: the whole command is stopped like an interrupt, what was downloaded is kept. */
export class MaxTimeError extends DtdlError {
  override name = 'MaxTimeError'
  constructor(seconds: number) {
    super('MAX_TIME', ExitCode.timeout, `--max-time ${seconds}s ran out; what was downloaded is kept`, {
      hint: 'run the same command again to resume, or raise --max-time',
    })
  }
}

/**
 * --max-api-calls reached: the call that would have been one too many is never sent. The run stops as at
 * Ctrl-C (everything finished stays and is recorded), with its own exit code, and the next run goes on.
 */
export class ApiBudgetError extends DtdlError {
  override name = 'ApiBudgetError'
  constructor(readonly cap: number) {
    super(
      'MAX_API_CALLS',
      ExitCode.apiBudget,
      `--max-api-calls ${cap} reached: the run stopped before call ${cap + 1}; what was finished is kept`,
      {
        hint: 'run the same command again to go on (a re-run spends nothing on what is done), or raise --max-api-calls',
      },
    )
  }
}

/** Turns a Node file-system error into a FileSystemError that names the path and says what to do. */
export function toFileSystemError(err: unknown, path: string, doing: string): DtdlError {
  if (err instanceof DtdlError) return err
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? 'EIO'
  const hints: Record<string, string> = {
    ENOENT: 'create the directory first, or pass another -o',
    ENOTDIR: 'a part of the path is a file, not a directory: pass another -o',
    EACCES: 'check the permissions of the directory, or pass another -o',
    EPERM: 'check the permissions of the directory, or pass another -o',
    EROFS: 'the file system is read-only: pass another -o',
    ENOSPC: 'free some disk space and run the same command again: what was downloaded is kept',
    EDQUOT: 'the disk quota is spent: free some space and run the same command again',
    EFBIG: 'the file is larger than this file system or `ulimit -f` allows: raise the limit or pick another disk',
    EISDIR: 'the path is a directory: pass a file name with -o',
    ENAMETOOLONG: 'a name in the path is longer than the file system holds (255 bytes per name): pass a shorter -o',
    EMFILE:
      'this process may open no more files: lower -j (files at a time) or -c (connections), or raise the limit with `ulimit -n`; the other files go on',
    ENFILE: 'the system may open no more files: lower -j or -c, or close other programs; the other files go on',
  }
  return new FileSystemError(path, `cannot ${doing} ${path}: ${code}`, {
    code: `FS_${code}`,
    hint: hints[code],
    cause: err,
  })
}

/** The one line a failure prints: message, request id, what to do; never a stack trace. */
export function formatError(err: DtdlError): string {
  const rid = err.requestId ? ` [request id ${err.requestId}]` : ''
  return `dtdl: ${err.message}${rid}${err.hint ? ` (hint: ${err.hint})` : ''}`
}
