// `dtdl config`: read and change the settings in the config store.
import { CONFIG_KEYS } from '../config/settings.js'
import { commander, print, readStdin, say, type Command } from './shell.js'

// The keys as choices: --help lists them and `dtdl completion` offers them.
const keyArgument = () => new commander.Argument('<key>', 'the setting').choices(CONFIG_KEYS)

export function declareConfig(program: Command): void {
  const config = program
    .command('config')
    .description('read and change settings (token, appKey, appSecret, unionId, userId, endpoint, apiQps, maxApiCalls)')
  const configAction =
    (action: 'set' | 'get' | 'unset' | 'list' | 'path') =>
    async (...args: unknown[]) => {
      const strings = args.filter((a): a is string => typeof a === 'string')
      const { runConfig } = await import('../config/edit.js')
      // "-" on a terminal asks without echo; from a pipe it reads silently, as scripts expect.
      const fromTerminal = async () =>
        (await import('./prompt.js')).promptHidden(`${strings[0] ?? 'value'} (typing is not shown): `)
      await runConfig(action, strings, {
        env: process.env,
        stdout: print,
        stderr: say,
        readStdin: process.stdin.isTTY ? fromTerminal : readStdin,
      })
    }
  config
    .command('set')
    .description('set a key (value - reads stdin, or asks without echo on a terminal)')
    .addArgument(keyArgument())
    .argument('<value>')
    .action(configAction('set'))
  config
    .command('get')
    .description('print a key (secrets masked)')
    .addArgument(keyArgument())
    .action(configAction('get'))
  config.command('unset').description('remove a key').addArgument(keyArgument()).action(configAction('unset'))
  config.command('list').description('print all keys (secrets masked)').action(configAction('list'))
  config.command('path').description('print the config file path').action(configAction('path'))
}
