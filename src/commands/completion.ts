// `dtdl completion bash|zsh|fish`: prints a completion script for the program as declared, never a copy that drifts.
import { commander, type Command } from './shell.js'

const SHELLS = ['bash', 'zsh', 'fish'] as const

export function declareCompletion(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script (commands, options, config keys)')
    .addArgument(new commander.Argument('<shell>', 'the shell to complete in').choices(SHELLS))
    .action(async (shell: string) => {
      const { completionTree, bashScript, zshScript, fishScript } = await import('./completion-scripts.js')
      const tree = completionTree(program)
      process.stdout.write(
        { bash: bashScript, zsh: zshScript, fish: fishScript }[shell as (typeof SHELLS)[number]](tree),
      )
    })
}
