// The program as declared: every command from src/commands/, their options from the one declaration, and the
// help formatter; cli.ts runs it, and the man page and completion are drawn from it.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { commander, type Command } from './shell.js'
import { declareGet } from './get.js'
import { declareLs } from './ls.js'
import { declareInfo } from './info.js'
import { declareVersions } from './versions.js'
import { declareSpaces } from './spaces.js'
import { declareUser } from './user.js'
import { declareConfig } from './config.js'
import { declareEmulator } from './emulator.js'
import { declareCompletion } from './completion.js'
import { formatHelp } from './help.js'

/** dtdl's package.json, found upward from this file: dist/commands/ for the library, dist/ for the CLI's bundle. */
export function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'dtdl' && pkg.version) return pkg.version
    } catch {
      // not here: one level up
    }
    if (dirname(dir) === dir) return '0.0.0'
  }
}

export function buildProgram(): Command {
  const program = new commander.Command()
  program
    .name('dtdl')
    .description('Download files from DingTalk (钉钉) enterprise storage: resumable, parallel, verified.')
    .version(packageVersion(), '-V, --version', 'print the version of dtdl')
    // `dtdl get ... --version 3` is the file version; only `dtdl --version` is dtdl's own.
    .enablePositionalOptions()
    .exitOverride()
    // Parse errors are printed once, as one `dtdl: ...` line, by main(): commander's own two or three lines
    // (message, suggestion, "run with --help") are kept quiet. Subcommands inherit this, and the help's layout.
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      writeOut: (s) => process.stdout.write(s),
      outputError: () => {},
    })
    .configureHelp({ formatHelp })
  declareGet(program)
  declareLs(program)
  declareInfo(program)
  declareVersions(program)
  declareSpaces(program)
  declareUser(program)
  declareConfig(program)
  declareEmulator(program)
  declareCompletion(program)
  return program
}
