// `dtdl config ...`: read and change the config store; secrets are masked when listed.
import { assertConfigKey, describeConfig, openConfigStore } from './store.js'
import { MAX_API_QPS, parseEndpoint, parseIntegerOption, SECRET_CONFIG_KEYS } from './settings.js'
import { UsageError } from '../errors.js'
import { maskSecret } from '../redact.js'

export interface ConfigIo {
  env: Record<string, string | undefined>
  stdout: (line: string) => void
  readStdin: () => Promise<string>
}

export async function runConfig(action: 'set' | 'get' | 'unset' | 'list' | 'path', args: string[], io: ConfigIo, options: { showSecrets?: boolean } = {}): Promise<void> {
  const store = await openConfigStore(io.env)
  switch (action) {
    case 'path':
      io.stdout(store.path)
      return
    case 'list':
      for (const line of describeConfig(store.read())) io.stdout(line)
      return
    case 'get': {
      const key = assertConfigKey(args[0] ?? '')
      const value = store.read()[key]
      if (value === undefined) throw new UsageError(`config key ${key} is not set`, { code: 'CONFIG_UNSET', hint: `set it with: dtdl config set ${key} <value>` })
      io.stdout(SECRET_CONFIG_KEYS.has(key) && !options.showSecrets ? maskSecret(value) : value)
      return
    }
    case 'unset':
      await store.unset(assertConfigKey(args[0] ?? ''))
      return
    case 'set': {
      const key = assertConfigKey(args[0] ?? '')
      // "-" reads the value from stdin, so secrets need not pass through shell history or `ps`.
      let value = args[1] === '-' ? (await io.readStdin()).trim() : args[1]
      if (value === undefined || value === '') throw new UsageError(`no value given for ${key}`, { code: 'CONFIG_NO_VALUE', hint: `dtdl config set ${key} <value> (or - to read it from stdin)` })
      if (key === 'endpoint') value = parseEndpoint(value, 'endpoint')
      if (key === 'apiQps') value = String(parseIntegerOption(value, 'apiQps', 0, MAX_API_QPS))
      await store.set(key, value)
      return
    }
  }
}
