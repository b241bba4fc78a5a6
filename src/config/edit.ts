// `dtdl config ...`: read and change the config store; secrets are masked when listed.
import { assertConfigKey, describeConfig, openConfigStore } from './store.js'
import { MAX_API_QPS, parseEndpoint, parseIntegerOption, SECRET_CONFIG_KEYS } from './settings.js'
import { UsageError } from '../errors.js'
import { maskSecret } from '../redact.js'
import { describeEnvSettings } from './env-settings.js'

export interface ConfigIo {
  env: Record<string, string | undefined>
  stdout: (line: string) => void
  /** Lines for people (a warning): stderr. */
  stderr: (line: string) => void
  readStdin: () => Promise<string>
}

export async function runConfig(
  action: 'set' | 'get' | 'unset' | 'list' | 'path',
  args: string[],
  io: ConfigIo,
  options: { showSecrets?: boolean } = {},
): Promise<void> {
  const store = await openConfigStore(io.env)
  switch (action) {
    case 'path':
      io.stdout(store.path)
      return
    case 'list': {
      // The store's keys as `key=value`, then what the environment gives, marked (it wins over the store).
      const stored = store.read()
      for (const line of [...describeConfig(stored), ...describeEnvSettings(io.env, stored)]) io.stdout(line)
      return
    }
    case 'get': {
      const key = assertConfigKey(args[0] ?? '')
      const value = store.read()[key]
      if (value === undefined)
        throw new UsageError(`config key ${key} is not set`, {
          code: 'CONFIG_UNSET',
          hint: `set it with: dtdl config set ${key} <value>`,
        })
      io.stdout(SECRET_CONFIG_KEYS.has(key) && !options.showSecrets ? maskSecret(value) : value)
      return
    }
    case 'unset':
      await store.unset(assertConfigKey(args[0] ?? ''))
      return
    case 'set': {
      const key = assertConfigKey(args[0] ?? '')
      const secret = SECRET_CONFIG_KEYS.has(key)
      // "-" reads the value from stdin, so secrets need not pass through shell history or `ps`.
      const fromStdin = args[1] === '-'
      let value = fromStdin ? (await io.readStdin()).trim() : args[1]
      if (value === undefined || value === '')
        throw new UsageError(`no value given for ${key}`, {
          code: 'CONFIG_NO_VALUE',
          hint: `dtdl config set ${key} - (reads it from stdin)`,
        })
      if (key === 'endpoint') value = parseEndpoint(value, 'endpoint')
      if (key === 'apiQps') value = String(parseIntegerOption(value, 'apiQps', 0, MAX_API_QPS))
      if (key === 'maxApiCalls') value = String(parseIntegerOption(value, 'maxApiCalls', 1))
      // A token goes into a header as it is: one with a space or a control character could never work.
      if (key === 'token' && !/^[\x21-\x7e]+$/.test(value))
        throw new UsageError('the token holds a space, a line break or a control character', {
          code: 'BAD_TOKEN',
          hint: 'paste the token alone, as DingTalk gave it',
        })
      await store.set(key, value)
      if (secret && !fromStdin)
        io.stderr(
          `dtdl: warning: the ${key} was given on the command line, where other users of this machine can see it (ps, shell history): next time use \`dtdl config set ${key} -\``,
        )
      // What was read from stdin is not seen while typed: say what was saved (a secret masked).
      if (fromStdin) io.stderr(`saved ${key}: ${secret ? maskSecret(value) : value}`)
      return
    }
  }
}
