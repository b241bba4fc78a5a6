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

/**
 * Pure: maps an HTTP status and DingTalk error code to what dtdl does about it (the reaction is the retry decision's).
 */
export function classifyApiError(status: number, code: string, context: ApiErrorContext = {}): ApiErrorClass {
  return { ...describeApiError(status, code, context), action: apiFailureClass(status, code) as ApiErrorAction }
}

type Described = Omit<ApiErrorClass, 'action'>
type Describe = Described | ((context: ApiErrorContext) => Described)

const auth = (hint: string): Described => ({ exitCode: ExitCode.auth, hint })
const BUSY: Described = { exitCode: ExitCode.remote, hint: 'DingTalk is busy: run again in a minute' }
const FAILED_THERE: Described = {
  exitCode: ExitCode.remote,
  hint: 'DingTalk failed on its side: run again later; quote the request id if you contact DingTalk support',
}
const BAD_TOKEN = auth(
  'the access token is missing, wrong or expired: set a fresh DINGTALK_ACCESS_TOKEN, or use app credentials (DINGTALK_APP_KEY and DINGTALK_APP_SECRET) so dtdl can mint tokens itself',
)
const BAD_PARAMETER: Described = {
  exitCode: ExitCode.usage,
  hint: 'check the spaceId, dentryId, unionId and --version values',
}

/** The DingTalk error codes dtdl knows, and what each means for the user. */
const KNOWN_CODES: Record<string, Describe> = {
  InvalidAuthentication: BAD_TOKEN,
  Unauthorized: BAD_TOKEN,
  invalidClientIdOrSecret: auth(
    "the app key or app secret is wrong: copy the app's Client ID and Client Secret from the DingTalk developer console",
  ),
  permissionDenied: (context) => {
    const [may, thing] = REFUSED[context.what ?? ''] ?? ['download this file', 'file']
    const user = context.unionId ? `with unionId ${context.unionId} ` : ''
    return auth(`the user ${user}may not ${may}: check the unionId (-u) or share the ${thing} with that user`)
  },
  orgAuthLevelNotEnough: auth(
    "the organisation's verification level is too low for this API: raise it in the DingTalk admin console",
  ),
  'Forbidden.AccessDenied.AccessTokenPermissionDenied': (context) => {
    const scopes = context.requiredScopes?.length ? context.requiredScopes.join(', ') : undefined
    const named =
      scopes ?? 'this API needs (Storage.DownloadInfo.Read for downloads, Storage.File.Read for file details)'
    return auth(`the app lacks the permission ${named}: add it to the app in the DingTalk developer console`)
  },
  'Forbidden.AccessDenied.IpNotInWhiteList': auth(
    "add this machine's public IP address to the app's IP allow-list in the DingTalk developer console",
  ),
  'Forbidden.AccessDenied.ApiCountLimitForOrg': auth(
    "the organisation's monthly API quota is spent: wait for the next month or raise the quota",
  ),
  spaceNotExist: { exitCode: ExitCode.notFound, hint: 'check the spaceId (the first argument)' },
  documentNotExist: {
    exitCode: ExitCode.notFound,
    hint: 'no document has this link or dentryUuid (or it was deleted): copy the link again from DingTalk',
  },
  dentryNotExist: { exitCode: ExitCode.notFound, hint: 'check the dentryId (the second argument) and --version' },
  // `versions` has no -r: only a file has versions, and a folder's files are listed by `ls`.
  operationNotSupported: (context) => ({
    exitCode: ExitCode.usage,
    hint:
      context.what === 'listing versions'
        ? "only a file has versions: if this is a folder, `dtdl ls` lists its files and `dtdl versions` takes one of them; an online DingTalk document's history is in DingTalk"
        : 'this entry cannot be downloaded as a file: if it is a folder, add -r; an online DingTalk document must be exported in DingTalk',
  }),
  dentryDownloadProtocolNotSupport: {
    exitCode: ExitCode.remote,
    hint: 'DingTalk offers no download protocol dtdl supports for this file',
  },
  fileArchived: {
    exitCode: ExitCode.remote,
    hint: 'the file is archived and DingTalk is restoring it: run again later, or raise --archive-wait',
  },
  paramError: BAD_PARAMETER,
  'paramError.spaceId': BAD_PARAMETER,
  'paramError.dentryId': BAD_PARAMETER,
  systemBusy: BUSY,
  'system.busy': BUSY,
  systemError: FAILED_THERE,
  unknownError: FAILED_THERE,
  operationTimeout: FAILED_THERE,
}

/** Pure: the exit code and hint of an API error: a known code first, then its family, then the HTTP status. */
function describeApiError(status: number, code: string, context: ApiErrorContext): Described {
  const known = Object.hasOwn(KNOWN_CODES, code) ? KNOWN_CODES[code] : undefined
  if (known !== undefined) return typeof known === 'function' ? known(context) : known
  if (/^Forbidden\.AccessDenied\.(Qps|Qpm)Limit/.test(code)) {
    return {
      exitCode: ExitCode.remote,
      hint: 'DingTalk throttled the app: run fewer calls at once or try again shortly',
    }
  }
  if (code.startsWith('Forbidden.AccessDenied')) {
    return auth('the app is not allowed to make this call: check its permissions in the DingTalk developer console')
  }
  if (status === 429) return BUSY
  if (status === 401 || status === 403) return { exitCode: ExitCode.auth }
  if (status === 404) return { exitCode: ExitCode.notFound }
  return { exitCode: ExitCode.remote }
}
