// Online DingTalk documents (storageDriver ALIDOC) live in storage beside files but have no bytes to download.
import { ApiError, DtdlError, ExitCode, type DtdlErrorOptions } from '../errors.js'
import type { Dentry } from './client.js'

/** Pure: does the dentry say it is an online document rather than a stored file? */
export const isOnlineDocument = (d: Pick<Dentry, 'storageDriver'>): boolean =>
  typeof d.storageDriver === 'string' && d.storageDriver.toUpperCase() === 'ALIDOC'

export function onlineDocumentError(name: string | undefined, options: DtdlErrorOptions = {}): DtdlError {
  return new DtdlError(
    'ONLINE_DOCUMENT',
    ExitCode.usage,
    `${name ? JSON.stringify(name) : 'this entry'} is an online DingTalk document, not a stored file: the storage API cannot download it`,
    {
      ...options,
      hint: 'open it in DingTalk and export it (File > Download / Export) to get a file',
    },
  )
}

/**
 * Download info answers operationNotSupported for folders and online documents alike: where the entry is
 * known to be a file, the refusal can only mean an online document, and says so.
 */
export function explainRefusal(err: unknown, knownFile: boolean, name?: string): unknown {
  if (knownFile && err instanceof ApiError && err.code === 'operationNotSupported') {
    return onlineDocumentError(name, { requestId: err.requestId, status: err.status, cause: err })
  }
  return err
}
