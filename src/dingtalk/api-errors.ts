// What each DingTalk API error means for dtdl: exit code, whether waiting helps, and what the user should do.
import { ExitCode, type ExitCodeValue } from '../errors.js'
import { apiFailureClass } from '../http/retry-decision.js'

/** How the caller should react to an API error. */
export type ApiErrorAction =
  | 'fail' // nothing to gain from asking again
  | 'renew-token' // the token is stale: mint a new one if app credentials allow
  | 'throttled' // the API rate limit: wait at least a second, then ask again
  | 'transient' // the server failed or is busy: back off and retry
  | 'archived' // the file is being restored from the archive: wait longer

export interface ApiErrorClass {
  exitCode: ExitCodeValue
  action: ApiErrorAction
  hint?: string
}

export interface ApiErrorContext {
  unionId?: string | undefined
  requiredScopes?: string[] | undefined
  /** The call that failed, as its error message says it ("listing a folder"): the hint names what was refused. */
  what?: string | undefined
}

/** What a permissionDenied refused, by the call that got it. */
const REFUSED: Record<string, [string, string]> = {
  'listing a folder': ['list this folder', 'folder'],
  'getting file details': ['read this file', 'file'],
}

/** Pure: maps an HTTP status and DingTalk error code to what dtdl does about it (the reaction is the retry decision's). */
export function classifyApiError(status: number, code: string, context: ApiErrorContext = {}): ApiErrorClass {
  return { ...describeApiError(status, code, context), action: apiFailureClass(status, code) as ApiErrorAction }
}

/** Pure: the exit code and hint of an API error. */
function describeApiError(status: number, code: string, context: ApiErrorContext): Omit<ApiErrorClass, 'action'> {
  const scopes = context.requiredScopes?.length ? context.requiredScopes.join(', ') : undefined
  switch (code) {
    case 'InvalidAuthentication':
    case 'Unauthorized':
      return {
        exitCode: ExitCode.auth,
        hint: 'the access token is missing, wrong or expired: set a fresh DINGTALK_ACCESS_TOKEN, or use app credentials (DINGTALK_APP_KEY and DINGTALK_APP_SECRET) so dtdl can mint tokens itself',
      }
    case 'invalidClientIdOrSecret':
      return {
        exitCode: ExitCode.auth,
        hint: "the app key or app secret is wrong: copy the app's Client ID and Client Secret from the DingTalk developer console",
      }
    case 'permissionDenied':
      return {
        exitCode: ExitCode.auth,
        hint: `the user ${context.unionId ? `with unionId ${context.unionId} ` : ''}may not ${(REFUSED[context.what ?? ''] ?? ['download this file'])[0]}: check the unionId (-u) or share the ${(REFUSED[context.what ?? ''] ?? ['', 'file'])[1]} with that user`,
      }
    case 'orgAuthLevelNotEnough':
      return { exitCode: ExitCode.auth, hint: "the organisation's verification level is too low for this API: raise it in the DingTalk admin console" }
    case 'Forbidden.AccessDenied.AccessTokenPermissionDenied':
      return {
        exitCode: ExitCode.auth,
        hint: `the app lacks the permission ${scopes ?? 'this API needs (Storage.DownloadInfo.Read for downloads, Storage.File.Read for file details)'}: add it to the app in the DingTalk developer console`,
      }
    case 'Forbidden.AccessDenied.IpNotInWhiteList':
      return { exitCode: ExitCode.auth, hint: "add this machine's public IP address to the app's IP allow-list in the DingTalk developer console" }
    case 'Forbidden.AccessDenied.ApiCountLimitForOrg':
      return { exitCode: ExitCode.auth, hint: "the organisation's monthly API quota is spent: wait for the next month or raise the quota" }
    case 'spaceNotExist':
      return { exitCode: ExitCode.notFound, hint: 'check the spaceId (the first argument)' }
    case 'documentNotExist':
      return { exitCode: ExitCode.notFound, hint: 'no document has this link or dentryUuid (or it was deleted): copy the link again from DingTalk' }
    case 'dentryNotExist':
      return { exitCode: ExitCode.notFound, hint: 'check the dentryId (the second argument) and --version' }
    case 'operationNotSupported':
      // `versions` has no -r: only a file has versions, and a folder's files are listed by `ls`.
      if (context.what === 'listing versions') return { exitCode: ExitCode.usage, hint: "only a file has versions: if this is a folder, `dtdl ls` lists its files and `dtdl versions` takes one of them; an online DingTalk document's history is in DingTalk" }
      return { exitCode: ExitCode.usage, hint: 'this entry cannot be downloaded as a file: if it is a folder, add -r; an online DingTalk document must be exported in DingTalk' }
    case 'dentryDownloadProtocolNotSupport':
      return { exitCode: ExitCode.remote, hint: 'DingTalk offers no download protocol dtdl supports for this file' }
    case 'fileArchived':
      return { exitCode: ExitCode.remote, hint: 'the file is archived and DingTalk is restoring it: run again later, or raise --archive-wait' }
    case 'paramError':
    case 'paramError.spaceId':
    case 'paramError.dentryId':
      return { exitCode: ExitCode.usage, hint: 'check the spaceId, dentryId, unionId and --version values' }
    case 'systemBusy':
    case 'system.busy':
      return { exitCode: ExitCode.remote, hint: 'DingTalk is busy: run again in a minute' }
    case 'systemError':
    case 'unknownError':
    case 'operationTimeout':
      return { exitCode: ExitCode.remote, hint: 'DingTalk failed on its side: run again later; quote the request id if you contact DingTalk support' }
  }
  if (/^Forbidden\.AccessDenied\.(Qps|Qpm)Limit/.test(code)) {
    return { exitCode: ExitCode.remote, hint: 'DingTalk throttled the app: run fewer calls at once or try again shortly' }
  }
  if (code.startsWith('Forbidden.AccessDenied')) {
    return { exitCode: ExitCode.auth, hint: 'the app is not allowed to make this call: check its permissions in the DingTalk developer console' }
  }
  if (status === 429) return { exitCode: ExitCode.remote, hint: 'DingTalk is busy: run again in a minute' }
  if (status === 401) return { exitCode: ExitCode.auth }
  if (status === 403) return { exitCode: ExitCode.auth }
  if (status === 404) return { exitCode: ExitCode.notFound }
  if (status >= 500) return { exitCode: ExitCode.remote }
  return { exitCode: ExitCode.remote }
}
