// `npm run tarball`: the release tarball, whose package.json has no lifecycle script, so installing it prints no
// warning. npm 11 warns about every install-time script of a package installed from a file or a URL, `prepare`
// included; the repository keeps `prepare` (a git URL install builds dist/ with it), the tarball does not need it.
'use strict'
const { execFileSync } = require('node:child_process')
const { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs')
const { dirname, join, resolve } = require('node:path')
const { tmpdir } = require('node:os')

const root = join(__dirname, '..')
const at = process.argv.indexOf('--dest')
const dest = resolve(at > 0 ? process.argv[at + 1] : '.')
if (!existsSync(join(root, 'dist', 'cli.bundle.js'))) {
  console.error('dtdl: dist/ is not built: run `npm run build` first (`npm run tarball` does)')
  process.exit(1)
}
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
// What a user's package.json needs: no development scripts or dependencies; build:native stays, it is documented.
const { scripts, devDependencies, allowScripts, ...shipped } = pkg
shipped.scripts = { 'build:native': scripts['build:native'] }

const stage = mkdtempSync(join(tmpdir(), 'dtdl-pack-'))
try {
  for (const entry of [...pkg.files, 'LICENSE', 'README.md']) {
    mkdirSync(dirname(join(stage, entry)), { recursive: true })
    cpSync(join(root, entry), join(stage, entry), { recursive: true })
  }
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(shipped, null, 2)}\n`)
  // Under npm, the npm that runs this script; else the one on PATH.
  const npm = process.env.npm_execpath
  const args = ['pack', '--ignore-scripts', '--json', '--pack-destination', dest]
  const out = npm
    ? execFileSync(process.execPath, [npm, ...args], { cwd: stage, encoding: 'utf8' })
    : execFileSync('npm', args, { cwd: stage, encoding: 'utf8', shell: process.platform === 'win32' })
  console.log(join(dest, JSON.parse(out)[0].filename))
} finally {
  rmSync(stage, { recursive: true, force: true })
}
