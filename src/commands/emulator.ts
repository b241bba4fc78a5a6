// `dtdl emulator`: a local DingTalk API and storage to try dtdl and scripts offline.
import { print, say, type Command } from './shell.js'
import { addDeclaredOptions, declaredValues } from './declared.js'

export function declareEmulator(program: Command): void {
  addDeclaredOptions(
    program
      .command('emulator')
      .description('run a local emulator of the DingTalk API and storage, to try dtdl offline'),
    'emulator',
  ).action(async (o: Record<string, unknown>) => {
    const values = declaredValues('emulator', o)
    const { runEmulator } = await import('../emulator/run.js')
    await runEmulator(
      {
        port: (values.port as number | undefined) ?? 0,
        files: (values.file as string[] | undefined) ?? [],
        printEnv: Boolean(values.printEnv),
        background: Boolean(values.background),
      },
      // The description is several lines, each said as one (say shows a newline inside a line as \x0a).
      { stdout: print, stderr: (text) => text.split('\n').forEach((line) => say(line)) },
    )
  })
}
