// The issuer's endpoints a browser is sent to (authorization, end-session): the portal only builds
// their URLs, it never calls them. They must be https, except on loopback: an issuer on the
// person's own machine — `kubevdi dev`'s — serves its pages on plain http://127.0.0.1, so the
// browser is not asked to trust a private certificate authority, and loopback traffic never
// leaves the machine (the reasoning of RFC 8252 for native apps' redirect URIs). openid-client's
// URL builders refuse anything but https, so these two are built here.

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** `endpoint` (from the issuer's discovery) with `params` in its query; throws when it is neither https nor loopback http. */
export function browserEndpointUrl(name: string, endpoint: string, params: Record<string, string>): URL {
  const url = new URL(endpoint);
  const loopbackHttp = url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !loopbackHttp)
    throw new Error(`the issuer's ${name} must be https (or http on 127.0.0.1), got ${endpoint}`);
  for (const [key, value] of Object.entries(params)) url.searchParams.append(key, value);
  return url;
}
