// The config store (`dtdl config ...`): user settings plus the cached app token, in a 0600 file via `conf`.
import { CONFIG_KEYS, SECRET_CONFIG_KEYS, type ConfigKey, type StoredConfig } from './settings.js'
import { DtdlError, FileSystemError, UsageError } from '../errors.js'
import { makeDirectory } from '../disk/make-dir.js'
import { maskSecret } from '../redact.js'
import { parseCachedTokens, isSameScope, withCachedToken, type CachedToken, type TokenScope } from './token-cache.js'
import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'

export type { CachedToken } from './token-cache.js'

export interface ConfigStore {
  readonly path: string
  read(): StoredConfig
  /** A cache section other than the token's (see lookup-cache.ts): whatever JSON was stored under `name`. */
  readSection(name: string): unknown
  writeSection(name: string, value: unknown): Promise<void>
  set(key: ConfigKey, value: string): Promise<void>
  unset(key: ConfigKey): Promise<void>
  /** The cached token minted for this endpoint, app and secret, if any. */
  getCachedToken(scope: TokenScope): CachedToken | undefined
  /** Keeps `token` next to the others (one per scope), dropping expired ones. */
  setCachedToken(token: CachedToken): Promise<void>
  /** Makes sure a write can happen (folder created, file readable) without writing. */
  prepareWrite(): Promise<void>
}

export function assertConfigKey(key: string): ConfigKey {
  if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
    throw new UsageError(`unknown config key ${JSON.stringify(key)}`, {
      code: 'BAD_CONFIG_KEY',
      hint: `keys are: ${CONFIG_KEYS.join(', ')}`,
    })
  }
  return key as ConfigKey
}

/** `dtdl config list` lines: secrets masked. */
export function describeConfig(config: StoredConfig): string[] {
  return CONFIG_KEYS.filter((k) => config[k] !== undefined).map((k) => {
    const value = config[k]!
    return `${k}=${SECRET_CONFIG_KEYS.has(k) ? maskSecret(value) : value}`
  })
}

/** Cached tokens, one per endpoint + app + secret digest. */
const TOKEN_CACHE_KEY = 'accessTokens'
/** The single-entry cache of earlier versions, keyed by appKey alone: never used, removed on the next write. */
const LEGACY_TOKEN_CACHE_KEY = 'tokenCache'
const FIX_HINT = 'fix it or remove it (`dtdl config path` shows it)'

/**
 * Pure: where conf keeps the file. DTDL_CONFIG_DIR when set, else the OS config folder as conf's
 * env-paths computes it (a test checks the two agree).
 */
export function configFilePath(
  env: Record<string, string | undefined>,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  if (env.DTDL_CONFIG_DIR) return resolve(env.DTDL_CONFIG_DIR, 'config.json')
  const dir =
    platform === 'darwin'
      ? join(home, 'Library', 'Preferences', 'dtdl')
      : platform === 'win32'
        ? join(env.APPDATA || join(home, 'AppData', 'Roaming'), 'dtdl', 'Config')
        : join(env.XDG_CONFIG_HOME || join(home, '.config'), 'dtdl')
  return join(dir, 'config.json')
}

/**
 * Opens the store. Reads are a plain JSON read; conf (which pulls in a JSON-schema validator, ~130 ms of
 * start-up) is loaded only when something is written: `dtdl config set`, or a newly minted token.
 * A file that cannot be read or parsed fails every read and write (never overwritten); `path` still works.
 */
export async function openConfigStore(env: Record<string, string | undefined>): Promise<ConfigStore> {
  const path = configFilePath(env)
  const loaded = await loadConfigFile(path)
  let data = loaded.data
  const usable = () => {
    if (loaded.problem) throw loaded.problem
    return data
  }
  let conf: Promise<import('conf').default<Record<string, unknown>>> | undefined
  const writer = async () => {
    usable()
    return (conf ??= openConfWriter(path))
  }
  const write = async (change: (c: import('conf').default<Record<string, unknown>>) => void) => {
    const c = await writer()
    try {
      change(c)
      data = { ...c.store }
    } catch (err) {
      throw await configWriteError(err, path)
    }
  }
  const forgetTokens = (c: import('conf').default<Record<string, unknown>>) => {
    c.delete(TOKEN_CACHE_KEY)
    c.delete(LEGACY_TOKEN_CACHE_KEY)
  }
  return {
    path,
    read() {
      const out: StoredConfig = {}
      for (const key of CONFIG_KEYS) {
        const v = usable()[key]
        if (typeof v === 'string') out[key] = v
      }
      return out
    },
    readSection: (name) => data[name],
    writeSection: (name, value) =>
      write((c) => {
        if (value === undefined) c.delete(name)
        else c.set(name, value)
      }),
    set: (key, value) =>
      write((c) => {
        c.set(key, value)
        // A different app or token makes the cached tokens meaningless.
        if (key === 'appKey' || key === 'appSecret') forgetTokens(c)
      }),
    unset: (key) =>
      write((c) => {
        c.delete(key)
        if (key === 'appKey' || key === 'appSecret') forgetTokens(c)
      }),
    getCachedToken: (scope) => parseCachedTokens(usable()[TOKEN_CACHE_KEY]).find((t) => isSameScope(t, scope)),
    setCachedToken: (token) =>
      write((c) => {
        c.set(TOKEN_CACHE_KEY, withCachedToken(parseCachedTokens(c.get(TOKEN_CACHE_KEY)), token, Date.now()))
        c.delete(LEGACY_TOKEN_CACHE_KEY)
      }),
    prepareWrite: async () => {
      await writer()
    },
  }
}

/** Pure: the store in a config file's text, or what is wrong with it ("not valid JSON (line 3, column 2)"). */
export function parseConfigText(text: string): { data: Record<string, unknown> } | { problem: string } {
  // An empty file (left by a crash or `touch`) holds nothing yet, as conf also sees it.
  if (text.trim() === '') return { data: {} }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    return { problem: `is not valid JSON${jsonErrorPlace(text, err)}` }
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return { problem: 'does not hold a JSON object' }
  return { data: parsed as Record<string, unknown> }
}

/** " (line L, column C)" from V8's "... at position N" (Node 20) or "(line L column C)" (newer V8), else "". */
function jsonErrorPlace(text: string, err: unknown): string {
  const message = err instanceof Error ? err.message : ''
  const lineColumn = /line (\d+) column (\d+)/.exec(message)
  if (lineColumn) return ` (line ${lineColumn[1]}, column ${lineColumn[2]})`
  const position = /position (\d+)/.exec(message)
  if (!position) return /end of JSON input/.test(message) ? ' (it ends too early)' : ''
  const before = text.slice(0, Number(position[1]))
  const line = before.split('\n').length
  return ` (line ${line}, column ${before.length - before.lastIndexOf('\n')})`
}

/** Reads the file: missing is an empty store; unreadable or unparsable is a problem every command reports. */
async function loadConfigFile(path: string): Promise<{ data: Record<string, unknown>; problem?: DtdlError }> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO'
    // Nothing there yet (ENOTDIR: a parent is a file; the first write says so): as conf does, start empty.
    if (code === 'ENOENT' || code === 'ENOTDIR') return { data: {} }
    const hint =
      code === 'EISDIR'
        ? 'it is a directory: remove it, or point DTDL_CONFIG_DIR at another folder'
        : 'fix its permissions, or point DTDL_CONFIG_DIR at another folder'
    return {
      data: {},
      problem: new FileSystemError(path, `cannot read the config file ${path}: ${code}`, {
        code: 'CONFIG_UNREADABLE',
        hint,
        cause: err,
      }),
    }
  }
  const parsed = parseConfigText(text)
  if ('data' in parsed) return { data: parsed.data }
  return {
    data: {},
    problem: new FileSystemError(path, `the config file ${path} ${parsed.problem}`, {
      code: 'CONFIG_INVALID',
      hint: FIX_HINT,
    }),
  }
}

/** Creates the folder one level at a time (never Node's recursive mkdir, see make-dir.ts), then loads conf. */
async function openConfWriter(path: string): Promise<import('conf').default<Record<string, unknown>>> {
  const dir = dirname(path)
  try {
    await makeDirectory(dir)
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    const code = e.code ?? 'EIO'
    const at =
      e.path !== undefined && e.path !== dir
        ? ` (at ${e.path})`
        : code === 'ENOTDIR'
          ? ' (a part of the path is a file)'
          : ''
    throw new FileSystemError(dir, `cannot create the config folder ${dir}: ${code}${at}`, {
      code: 'CONFIG_DIR',
      hint: 'point DTDL_CONFIG_DIR at a folder that can be created and written, e.g. DTDL_CONFIG_DIR=$HOME/.config/dtdl',
      cause: err,
    })
  }
  const Conf = await importConfWithoutSignalHooks()
  try {
    // An empty file reads as an empty store, as it does for dtdl's own reads.
    const deserialize = (text: string) => (text.trim() === '' ? {} : (JSON.parse(text) as Record<string, unknown>))
    return new Conf<Record<string, unknown>>({
      projectName: 'dtdl',
      projectSuffix: '',
      configFileMode: 0o600,
      cwd: dir,
      deserialize,
    })
  } catch (err) {
    throw await configWriteError(err, path)
  }
}

/** A failure inside conf, as a one-line error: re-read the file first, since it may have been broken meanwhile. */
async function configWriteError(err: unknown, path: string): Promise<DtdlError> {
  if (err instanceof DtdlError) return err
  const { problem } = await loadConfigFile(path)
  if (problem) return problem
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? 'EIO'
  return new FileSystemError(path, `cannot write the config file ${path}: ${code}`, {
    code: 'CONFIG_WRITE',
    hint: 'free some space or fix its permissions, or point DTDL_CONFIG_DIR at a folder dtdl can write',
    cause: err,
  })
}

const HOOKED_SIGNALS = [
  'SIGHUP',
  'SIGINT',
  'SIGTERM',
  'SIGALRM',
  'SIGABRT',
  'SIGVTALRM',
  'SIGXCPU',
  'SIGXFSZ',
  'SIGUSR2',
  'SIGTRAP',
  'SIGSYS',
  'SIGQUIT',
  'SIGIOT',
  'SIGIO',
  'SIGPOLL',
  'SIGPWR',
  'SIGSTKFLT',
] as const

/**
 * Imports conf, then takes back the signal handlers its dependency `when-exit` installs on load: on
 * SIGINT/SIGTERM it would kill the process at once, before dtdl stops its connections and writes the
 * resume record, and on SIGXFSZ it would turn a file-size limit into a crash instead of exit 7.
 */
async function importConfWithoutSignalHooks(): Promise<typeof import('conf').default> {
  const listening = (sig: string) => {
    try {
      return process.listeners(sig as NodeJS.Signals)
    } catch {
      return []
    }
  }
  const before = new Map(HOOKED_SIGNALS.map((sig) => [sig, new Set(listening(sig))]))
  const { default: Conf } = await import('conf')
  // Node ignores SIGXFSZ so a write past the limit fails with EFBIG; keep it ignored once hooks come and go.
  if (!listening('SIGXFSZ').includes(ignoreSignal)) process.on('SIGXFSZ', ignoreSignal)
  for (const sig of HOOKED_SIGNALS) {
    for (const listener of listening(sig)) {
      if (listener !== ignoreSignal && !before.get(sig)!.has(listener))
        process.removeListener(sig, listener as () => void)
    }
  }
  return Conf
}

function ignoreSignal(): void {}
