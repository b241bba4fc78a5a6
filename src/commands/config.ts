// `dtdl config`: read and change the settings in the config store.
import { CONFIG_KEYS } from '../config/settings.js'
import { commander, print, readStdin, say, type Command } from './shell.js'

// The keys as choices: --help lists them and `dtdl completion` offers them.
const keyArgument = () => new commander.Argument('<key>', 'the setting').choices(CONFIG_KEYS)

export function declareConfig(program: Command): void {
  const config = program.command('config').description('read and change settings (token, appKey, appSecret, unionId, userId, endpoint, apiQps, maxApiCalls)')
  config.addHelpText(
    'after',
    `
The store lives in DTDL_CONFIG_DIR when set. Secrets are masked by list and get.
Examples:
  $ dtdl config set appKey dingxxxx
  $ dtdl config set appSecret -                          on a terminal: asks, without echo
  $ printf %s "$SECRET" | dtdl config set appSecret -     read the value from stdin
  Secrets (token, appSecret) are given as - only: a value on the command line is seen by other users (ps).
  $ dtdl config get appKey
  $ dtdl config list                                      secrets masked
  $ dtdl config path                                      where the store is`,
  )
  const configAction = (action: 'set' | 'get' | 'unset' | 'list' | 'path') => async (...args: unknown[]) => {
    const strings = args.filter((a): a is string => typeof a === 'string')
    const { runConfig } = await import('../config/edit.js')
    // "-" on a terminal asks without echo; from a pipe it reads silently, as scripts expect.
    const fromTerminal = async () => (await import('./prompt.js')).promptHidden(`${strings[0] ?? 'value'} (typing is not shown): `)
    await runConfig(action, strings, { env: process.env, stdout: print, stderr: say, readStdin: process.stdin.isTTY ? fromTerminal : readStdin })
  }
  const examples = (...lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}`
  config
    .command('set')
    .description('set a key (value - reads stdin, or asks without echo on a terminal)')
    .addArgument(keyArgument())
    .argument('<value>')
    .addHelpText('after', examples('dtdl config set unionId 012345', 'dtdl config set appSecret -          asks on a terminal, reads a pipe otherwise', 'dtdl config set endpoint http://127.0.0.1:8080'))
    .action(configAction('set'))
  config.command('get').description('print a key (secrets masked)').addArgument(keyArgument()).addHelpText('after', examples('dtdl config get unionId')).action(configAction('get'))
  config.command('unset').description('remove a key').addArgument(keyArgument()).addHelpText('after', examples('dtdl config unset token')).action(configAction('unset'))
  config.command('list').description('print all keys (secrets masked)').addHelpText('after', examples('dtdl config list')).action(configAction('list'))
  config.command('path').description('print the config file path').addHelpText('after', examples('dtdl config path', 'DTDL_CONFIG_DIR=/tmp/ci-dtdl dtdl config path')).action(configAction('path'))
}
