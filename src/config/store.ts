// The config store (`dtdl config ...`): user settings plus the cached app token, in a 0600 file via `conf`.
import { CONFIG_KEYS, SECRET_CONFIG_KEYS, type ConfigKey, type StoredConfig } from './settings.js'
import { UsageError } from '../errors.js'
import { maskSecret } from '../redact.js'
import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'

/** A token minted from app credentials, kept so later runs skip the token call. */
export interface CachedToken {
  appKey: string
  accessToken: string
  /** Epoch milliseconds when DingTalk says the token expires. */
  expiresAt: number
}

export interface ConfigStore {
  readonly path: string
  read(): StoredConfig
  set(key: ConfigKey, value: string): Promise<void>
  unset(key: ConfigKey): Promise<void>
  getCachedToken(): CachedToken | undefined
  setCachedToken(token: CachedToken | undefined): Promise<void>
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

const TOKEN_CACHE_KEY = 'tokenCache'

/**
 * Pure: where conf keeps the file. DTDL_CONFIG_DIR when set, else the OS config folder as conf's
 * env-paths computes it (a test checks the two agree).
 */
export function configFilePath(env: Record<string, string | undefined>, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
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
 */
export async function openConfigStore(env: Record<string, string | undefined>): Promise<ConfigStore> {
  const path = configFilePath(env)
  let data: Record<string, unknown> = {}
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as unknown
    if (parsed && typeof parsed === 'object') data = parsed as Record<string, unknown>
  } catch {
    // Missing or unreadable: as conf does, start empty; the first write creates it.
  }
  let conf: Promise<import('conf').default<Record<string, unknown>>> | undefined
  const writer = () =>
    (conf ??= importConfWithoutSignalHooks().then(
      (Conf) => new Conf<Record<string, unknown>>({ projectName: 'dtdl', projectSuffix: '', configFileMode: 0o600, cwd: dirname(path) }),
    ))
  const write = async (change: (c: import('conf').default<Record<string, unknown>>) => void) => {
    const c = await writer()
    change(c)
    data = { ...c.store }
  }
  return {
    path,
    read() {
      const out: StoredConfig = {}
      for (const key of CONFIG_KEYS) {
        const v = data[key]
        if (typeof v === 'string') out[key] = v
      }
      return out
    },
    set: (key, value) =>
      write((c) => {
        c.set(key, value)
        // A different app or token makes the cached token meaningless.
        if (key === 'appKey' || key === 'appSecret') c.delete(TOKEN_CACHE_KEY)
      }),
    unset: (key) =>
      write((c) => {
        c.delete(key)
        if (key === 'appKey' || key === 'appSecret') c.delete(TOKEN_CACHE_KEY)
      }),
    getCachedToken() {
      const v = data[TOKEN_CACHE_KEY] as Partial<CachedToken> | undefined
      if (!v || typeof v.accessToken !== 'string' || typeof v.appKey !== 'string' || typeof v.expiresAt !== 'number') return undefined
      return { appKey: v.appKey, accessToken: v.accessToken, expiresAt: v.expiresAt }
    },
    setCachedToken: (token) =>
      write((c) => {
        if (token) c.set(TOKEN_CACHE_KEY, token)
        else c.delete(TOKEN_CACHE_KEY)
      }),
  }
}

const HOOKED_SIGNALS = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGALRM', 'SIGABRT', 'SIGVTALRM', 'SIGXCPU', 'SIGXFSZ', 'SIGUSR2', 'SIGTRAP', 'SIGSYS', 'SIGQUIT', 'SIGIOT', 'SIGIO', 'SIGPOLL', 'SIGPWR', 'SIGSTKFLT'] as const

/**
 * Imports conf, then takes back the signal handlers its dependency `when-exit` installs on load: on
 * SIGINT/SIGTERM it would kill the process at once, before dtdl stops its connections and writes the
 * resume record, and on SIGXFSZ it would turn a file-size limit into a crash instead of exit 7.
 */
async function importConfWithoutSignalHooks(): Promise<typeof import('conf').default> {
  const listening = (sig: string) => { try { return process.listeners(sig as NodeJS.Signals) } catch { return [] } }
  const before = new Map(HOOKED_SIGNALS.map((sig) => [sig, new Set(listening(sig))]))
  const { default: Conf } = await import('conf')
  // Node ignores SIGXFSZ so a write past the limit fails with EFBIG; keep it ignored once hooks come and go.
  if (!listening('SIGXFSZ').includes(ignoreSignal)) process.on('SIGXFSZ', ignoreSignal)
  for (const sig of HOOKED_SIGNALS) {
    for (const listener of listening(sig)) {
      if (listener !== ignoreSignal && !before.get(sig)!.has(listener)) process.removeListener(sig, listener as () => void)
    }
  }
  return Conf
}

function ignoreSignal(): void {}
