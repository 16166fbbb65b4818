// Minimal HTTP(S) GET for readiness probes and discovery: no kubeconfig machinery, short
// timeouts, and the status code is returned rather than thrown.
import http from 'node:http';
import https from 'node:https';

export interface TlsClient {
  ca: string;
  cert: string;
  key: string;
}

export interface HttpResponse {
  status: number;
  body: string;
}

export function get(url: string, tls?: TlsClient, timeoutMs = 5000): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    // No keep-alive agent: probes are rare, and pooled sockets would outlive the servers they talk to.
    const options = { timeout: timeoutMs, agent: false as const, ...(tls ?? {}) };
    const request = (url.startsWith('https:') ? https : http).get(url, options, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)));
    request.on('error', reject);
  });
}
