// `dtdl config`: read and change the settings in the config store.
import { print, readStdin, type Command } from './shell.js'

export function declareConfig(program: Command): void {
  const config = program.command('config').description('read and change settings (token, appKey, appSecret, unionId, userId, endpoint)')
  config.addHelpText(
    'after',
    `
The store lives in DTDL_CONFIG_DIR when set. Secrets are masked by list and get.
Examples:
  $ dtdl config set appKey dingxxxx
  $ printf %s "$SECRET" | dtdl config set appSecret -     read the value from stdin`,
  )
  const configAction = (action: 'set' | 'get' | 'unset' | 'list' | 'path') => async (...args: unknown[]) => {
    const strings = args.filter((a): a is string => typeof a === 'string')
    const { runConfig } = await import('../config/edit.js')
    await runConfig(action, strings, { env: process.env, stdout: print, readStdin })
  }
  config.command('set').description('set a key (value - reads stdin)').argument('<key>').argument('<value>').action(configAction('set'))
  config.command('get').description('print a key (secrets masked)').argument('<key>').action(configAction('get'))
  config.command('unset').description('remove a key').argument('<key>').action(configAction('unset'))
  config.command('list').description('print all keys (secrets masked)').action(configAction('list'))
  config.command('path').description('print the config file path').action(configAction('path'))
}
