// `npm run build` ends here: dist/dtdl.1, the manual page, drawn from the program as built (its one declaration of
// options, its help texts), so it can never drift from --help. The date is SOURCE_DATE_EPOCH's when set.
import { readFileSync, writeFileSync } from 'node:fs'

const { buildProgram } = await import('../dist/commands/program.js')
const { manPage } = await import('../dist/commands/man-page.js')
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
const when = process.env.SOURCE_DATE_EPOCH ? new Date(Number(process.env.SOURCE_DATE_EPOCH) * 1000) : new Date()
writeFileSync(
  new URL('../dist/dtdl.1', import.meta.url),
  manPage(buildProgram(), pkg.version, when.toISOString().slice(0, 10)),
)
