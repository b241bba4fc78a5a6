// Which proxy a request goes through (undici's EnvHttpProxyAgent rule), so a network error can name it.

export interface ProxyChoice {
  /** The proxy URL without any user:password. */
  proxy: string
  /** The environment variable it came from, spelt as set (HTTPS_PROXY, https_proxy, HTTP_PROXY, http_proxy). */
  variable: string
}

const first = (env: Record<string, string | undefined>, names: string[]) => {
  for (const name of names) if (env[name]) return { variable: name, value: env[name]! }
  return undefined
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 }

/** Pure: NO_PROXY as undici reads it (exact host or a subdomain, optional :port, `*` for all). */
function bypassed(url: URL, noProxy: string): boolean {
  if (noProxy.trim() === '*') return true
  const host = url.host.replace(/:\d*$/, '').toLowerCase()
  const port = Number.parseInt(url.port, 10) || DEFAULT_PORTS[url.protocol] || 0
  for (const entry of noProxy.split(/[,\s]/)) {
    if (!entry) continue
    const m = /^(.+):(\d+)$/.exec(entry)
    const name = (m ? m[1]! : entry).replace(/^\*?\./, '').toLowerCase()
    if (m && Number(m[2]) !== port) continue
    if (host === name || host.endsWith(`.${name}`)) return true
  }
  return false
}

/** Pure: the proxy undici uses for `url` under `env`, or undefined when it connects directly. */
export function proxyFor(url: string, env: Record<string, string | undefined> = process.env): ProxyChoice | undefined {
  const u = new URL(url)
  const http = first(env, ['http_proxy', 'HTTP_PROXY'])
  // undici: https URLs take HTTPS_PROXY, else fall back to HTTP_PROXY; http URLs take HTTP_PROXY only.
  const chosen = u.protocol === 'https:' ? (first(env, ['https_proxy', 'HTTPS_PROXY']) ?? http) : http
  if (!chosen || bypassed(u, env.no_proxy ?? env.NO_PROXY ?? '')) return undefined
  let proxy = chosen.value
  try {
    const p = new URL(chosen.value)
    p.username = ''
    p.password = ''
    proxy = p.origin
  } catch {
    // Not a URL: name it as given (undici will have refused it anyway).
  }
  return { proxy, variable: chosen.variable }
}

/** Codes that mean the socket itself could not be made: through a proxy, the proxy is what failed. */
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
])

/** Pure: the message and hint of a network failure, naming the proxy and its variable when one was used. */
export function describeUnreachable(
  url: string,
  code: string,
  env: Record<string, string | undefined> = process.env,
  what = 'check the network or --endpoint',
): { message: string; hint: string } {
  const target = new URL(url).origin
  const via = proxyFor(url, env)
  if (!via)
    return { message: `cannot reach ${target}: ${code}`, hint: `${what}; no proxy is set (HTTPS_PROXY / HTTP_PROXY)` }
  const host = new URL(url).hostname
  if (CONNECT_CODES.has(code)) {
    return {
      message: `cannot reach the proxy ${via.proxy} (from ${via.variable}) for ${target}: ${code}`,
      hint: `check that the proxy runs, fix or unset ${via.variable}, or add ${host} to NO_PROXY`,
    }
  }
  return {
    message: `cannot reach ${target} through the proxy ${via.proxy} (from ${via.variable}): ${code}`,
    hint: `check that the proxy can reach ${host}, or add ${host} to NO_PROXY`,
  }
}
