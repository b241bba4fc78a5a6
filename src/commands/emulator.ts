// `dtdl emulator`: a local DingTalk API and storage to try dtdl and scripts offline.
import { commander, intOption, print, type Command } from './shell.js'

const { Option } = commander

export function declareEmulator(program: Command): void {
  program
    .command('emulator')
    .description('run a local emulator of the DingTalk API and storage, to try dtdl offline')
    .addOption(new Option('--port <n>', 'port to listen on (default: a free one)').default(0).argParser(intOption('--port', 0, 65535)))
    .option('--file <path...>', 'serve these local files (besides the demo files)')
    .action(async (o: { port: number; file?: string[] }) => {
      const { runEmulator } = await import('../emulator/run.js')
      await runEmulator({ port: o.port, files: o.file ?? [] }, { stdout: print })
    })
}
