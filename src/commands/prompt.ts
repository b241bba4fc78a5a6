// Asks for a secret on the terminal without echoing it (`dtdl config set appSecret -` on a TTY).
import { InterruptedError } from '../errors.js'

/** Reads one line from a TTY in raw mode, so the typed characters are never shown; Ctrl-C cancels. */
export function promptHidden(
  question: string,
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WriteStream = process.stderr,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let value = ''
    const finish = (err?: Error) => {
      input.off('data', onData)
      input.setRawMode(false)
      input.pause()
      output.write('\n')
      if (err) reject(err)
      else resolve(value)
    }
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish()
        if (ch === '\u0003') return finish(new InterruptedError('SIGINT'))
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('')
        else if (ch >= ' ') value += ch
      }
    }
    // Raw mode first: a line typed the instant the prompt shows is not echoed either.
    input.setRawMode(true)
    output.write(question)
    input.setEncoding('utf8')
    input.on('data', onData)
    input.resume()
  })
}
