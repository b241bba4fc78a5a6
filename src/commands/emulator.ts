// `dtdl emulator`: a local DingTalk API and storage to try dtdl and scripts offline.
import { FILE_ID_RULE } from '../emulator/run.js'
import { commander, intOption, print, say, type Command } from './shell.js'

const { Option } = commander

export function declareEmulator(program: Command): void {
  program
    .command('emulator')
    .description('run a local emulator of the DingTalk API and storage, to try dtdl offline')
    .addOption(new Option('--port <n>', 'port to listen on').default(0, 'a free one').argParser(intOption('--port', 0, 65535)))
    .option('--file <path...>', `serve these local files (besides the demo files); ${FILE_ID_RULE}`)
    .option('--print-env', 'print only `export DTDL_ENDPOINT=... DINGTALK_ACCESS_TOKEN=... DINGTALK_UNION_ID=...` lines on stdout (the rest on stderr), and keep running')
    .option('--background', 'start it in the background, print those lines and return: eval "$(dtdl emulator --background)"')
    .addHelpText(
      'after',
      `
Examples:
  $ dtdl emulator                                   in the foreground; prints ids, credentials, an export line
  $ eval "$(dtdl emulator --background)"            in the background, this shell pointed at it (ids on stderr)
  $ dtdl get demo-space 10001                       then fetch its demo file
  $ kill $DTDL_EMULATOR_PID                         and stop it
  $ dtdl emulator --port 8080 --print-env > emu.env   foreground, the export lines in a file to source`,
    )
    .action(async (o: { port: number; file?: string[]; printEnv?: boolean; background?: boolean }) => {
      const { runEmulator } = await import('../emulator/run.js')
      await runEmulator({ port: o.port, files: o.file ?? [], printEnv: Boolean(o.printEnv), background: Boolean(o.background) }, { stdout: print, stderr: say })
    })
}
