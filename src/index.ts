// dtdl as a Node library: the same engine as the CLI, with typed options, events, an AbortSignal and thrown
// errors. Nothing of it writes to stdout or stderr, exits the process or installs signal handlers. This file
// only says what the package offers; the calls are in src/library/.
export { download, mirrorFolder, downloadList, getFileInfo, listFolder } from './library/api.js'
export type {
  BatchLibraryEvent,
  BatchOptions,
  ConnectionOptions,
  DownloadOptions,
  LibraryEvent,
  ListOptions,
  MirrorOptions,
  TransferOptions,
} from './library/types.js'
export {
  DtdlError,
  UsageError,
  ApiError,
  StorageError,
  NetworkError,
  IntegrityError,
  FileSystemError,
  InterruptedError,
  ApiBudgetError,
  ExitCode,
} from './errors.js'
export type { ExitCodeValue } from './errors.js'
export type { DownloadEvent, DownloadResult } from './engine/download.js'
export type { BatchEvent, BatchFileResult, BatchSummary, FileStatus } from './batch/results.js'
export type { BatchGetResult } from './tasks/get-batch.js'
export type { FileInfo } from './tasks/info.js'
export type { LsEntry, LsResult } from './tasks/ls.js'
export type { GetResult } from './tasks/get.js'
export type { RequestCounts, ApiKind } from './http/request-counter.js'
