// A browser without a browser, for sign-in flows that cross the portal (plain http on loopback)
// and the OpenID provider (https with a private CA): one cookie jar per host, as browsers keep
// them, redirects followed by hand so each step can be looked at, and the provider's login form
// filled in. Cookie paths and flags are ignored: every cookie of a host goes to every request.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { HttpsResponse } from './oidc-login.js';

export interface BrowserRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface Credentials {
  username: string;
  password: string;
}

export class HttpBrowser {
  /** host:port -> cookie name -> value. */
  readonly jars = new Map<string, Map<string, string>>();
  /** Every URL requested, in order, and every Location answered: what would be in a browser's history and logs. */
  readonly urls: URL[] = [];

  /** `ca`: PEM trusted for https (the provider's CA). */
  constructor(private readonly ca: string) {}

  jar(url: string | URL): Map<string, string> {
    const host = new URL(url).host;
    let jar = this.jars.get(host);
    if (!jar) {
      jar = new Map();
      this.jars.set(host, jar);
    }
    return jar;
  }

  cookieHeader(url: string | URL): string {
    return [...this.jar(url)].map(([n, v]) => `${n}=${v}`).join('; ');
  }

  /** One request with this host's cookies; Set-Cookie answers go into the jar. No redirects followed. */
  async request(url: string | URL, init: BrowserRequest = {}): Promise<HttpsResponse> {
    const cookie = this.cookieHeader(url);
    this.urls.push(new URL(url));
    const res = await send(new URL(url), {
      ...init,
      headers: { ...(cookie ? { cookie } : {}), ...init.headers },
      ca: this.ca,
    });
    if (typeof res.headers.location === 'string') this.urls.push(new URL(res.headers.location, url));
    const jar = this.jar(url);
    for (const line of [res.headers['set-cookie'] ?? []].flat()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const [name, value] = [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
      if (!value || /Max-Age=0(;|$)/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  }

  /**
   * Follows redirects from `url` (GETs, as browsers do after 303), filling in a login form with
   * `credentials` when one is shown, until an answer is not a redirect or a redirect's target
   * satisfies `stopAt` (returned without being requested).
   */
  async follow(
    url: string | URL,
    options: { credentials?: Credentials; stopAt?: (next: URL) => boolean; init?: BrowserRequest } = {},
  ): Promise<{ url: URL; response?: HttpsResponse; loginFormShown: boolean }> {
    let at = new URL(url);
    let res = await this.request(at, options.init);
    let loginFormShown = false;
    for (let step = 0; step < 20; step++) {
      if (res.status >= 300 && res.status < 400) {
        const next = new URL(String(res.headers.location), at);
        if (options.stopAt?.(next)) return { url: next, loginFormShown };
        at = next;
        res = await this.request(at);
      } else if (res.status === 200 && options.credentials && /<form[^>]*action="\/interaction\//.test(res.body)) {
        loginFormShown = true;
        const action = /<form[^>]*action="([^"]+)"/.exec(res.body)?.[1] as string;
        at = new URL(action.replaceAll('&amp;', '&'), at);
        res = await this.request(at, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ ...options.credentials }).toString(),
        });
        // A wrong password answers the form again: no point posting it twice.
        if (res.status !== 303 && res.status !== 302) return { url: at, response: res, loginFormShown };
      } else {
        return { url: at, response: res, loginFormShown };
      }
    }
    throw new Error(`more than 20 steps from ${url}`);
  }
}

function send(url: URL, options: BrowserRequest & { ca: string }): Promise<HttpsResponse> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false,
        timeout: 10_000,
        ...(url.protocol === 'https:' ? { ca: options.ca } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${options.method ?? 'GET'} ${url} timed out`)));
    req.on('error', reject);
    req.end(options.body);
  });
}
