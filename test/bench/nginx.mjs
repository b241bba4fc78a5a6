// A throw-away nginx for the benchmark: config, pid, logs and temp dirs all under one prefix directory,
// listening on a free 127.0.0.1 port, serving only the named files (sendfile, ETag, their CRC-64 header).
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'

/** A port that was free a moment ago. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolvePort(port))
    })
  })
}

/**
 * Starts nginx in the foreground as our child.
 * @param {{ nginx: string, prefix: string, root: string, files: { name: string, crc: bigint }[] }} options
 * @returns {Promise<{ url: string, pid: number, stop(): Promise<void> }>}
 */
export async function startNginx({ nginx, prefix, root, files }) {
  const dir = resolve(prefix)
  for (const sub of ['logs', 'temp/client', 'temp/proxy', 'temp/fastcgi', 'temp/uwsgi', 'temp/scgi'])
    mkdirSync(join(dir, sub), { recursive: true })
  const port = await freePort()
  const errorLog = join(dir, 'logs/error.log')
  const locations = files
    .map((f) => `    location = /${f.name} {\n      add_header x-oss-hash-crc64ecma ${f.crc} always;\n    }`)
    .join('\n')
  const conf = `# written by test/bench/nginx.mjs for one benchmark run
daemon off;
${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${errorLog} warn;
events {
  worker_connections 256;
}
http {
  access_log ${join(dir, 'logs/access.log')};
  client_body_temp_path ${join(dir, 'temp/client')};
  proxy_temp_path ${join(dir, 'temp/proxy')};
  fastcgi_temp_path ${join(dir, 'temp/fastcgi')};
  uwsgi_temp_path ${join(dir, 'temp/uwsgi')};
  scgi_temp_path ${join(dir, 'temp/scgi')};
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  etag on;
  keepalive_timeout 30s;
  server {
    listen 127.0.0.1:${port};
    root ${resolve(root)};
    location = /__ping {
      return 204;
    }
${locations}
    location / {
      return 404;
    }
  }
}
`
  const confPath = join(dir, 'nginx.conf')
  writeFileSync(confPath, conf)
  // -e: the error log before the config is read (else nginx tries /var/log/nginx/error.log first).
  const child = spawn(nginx, ['-e', errorLog, '-c', confPath, '-p', `${dir}/`], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d))
  let exited = false
  const exitedPromise = new Promise((done) => child.once('close', () => ((exited = true), done())))
  child.once('error', (err) => ((exited = true), (stderr += err.message)))

  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    if (exited) return
    child.kill('SIGQUIT') // graceful: finish open responses, then exit
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exitedPromise
    clearTimeout(timer)
  }
  const deadline = Date.now() + 5000
  for (;;) {
    if (exited) throw new Error(`nginx exited at start: ${stderr.trim() || readLog(errorLog)}`)
    try {
      const res = await fetch(`${url}/__ping`)
      if (res.status === 204) return { url, pid: child.pid, stop }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`nginx did not answer within 5 s: ${stderr.trim() || readLog(errorLog)}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
}

function readLog(path) {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-5).join('\n')
  } catch {
    return '(no error log)'
  }
}
