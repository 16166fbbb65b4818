// The user's pages beyond the JSON API: the compiled front end's files, and the live updates of
// the person's own claims as Server-Sent Events (GET /api/events), watched as the person.
import { PassThrough } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ClaimEvent, ClaimRef } from './api-types.js';
import { ownClaims } from './claims.js';
import { followDesktopClaim } from './desktop-follow.js';
import type { WebAssets } from './web-assets.js';
import { whoami } from './whoami.js';

/** server.ts's wrapper that runs a handler as the signed-in person and passes refusals on. */
export type AsPerson = (
  handler: (kc: KubeConfig, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
) => (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

export interface UserRoutesOptions {
  web: WebAssets;
  asPerson: AsPerson;
  namespaces: readonly string[];
}

/**
 * A stream ends after this long and the browser reconnects at once: the reconnection passes
 * through sign-in renewal, so watches never outlive the token they were opened with for long.
 */
export const STREAM_LIFETIME_MS = 5 * 60_000;
/** A comment line now and then keeps proxies from closing a quiet stream. */
const HEARTBEAT_MS = 20_000;
/** Claims the page may name beyond those found: the ones it just created. */
const MAX_NAMED_CLAIMS = 20;

export function userRoutes(app: FastifyInstance, options: UserRoutesOptions): void {
  // Open streams would hold the server open forever: closing the portal ends them first.
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...streams]) end();
  });

  for (const asset of options.web.files) {
    app.get(asset.path, async (_request, reply) =>
      reply.type(asset.contentType).header('cache-control', 'public, max-age=31536000, immutable').send(asset.body),
    );
  }

  // Browsers ask for it on every page (the sign-in page too); nothing to show, nothing to log.
  app.get('/favicon.ico', async (_request, reply) =>
    reply.code(204).header('cache-control', 'public, max-age=86400').send(),
  );

  app.get(
    '/api/events',
    options.asPerson(async (kc, request, reply) => {
      const named = namedClaims((request.query as { claim?: string | string[] }).claim);
      const { username } = await whoami(kc);
      // Found as GET /api/claims finds them; a claim just created may not be found yet (its
      // grant comes a moment later), which is why the page names those itself.
      const found = await ownClaims(kc, username, options.namespaces);
      const stream = new PassThrough();
      const stop = new AbortController();
      const send = (event: ClaimEvent) => {
        if (!stop.signal.aborted) stream.write(`data: ${JSON.stringify(ClaimEvent.parse(event))}\n\n`);
      };
      const end = () => {
        if (stop.signal.aborted) return;
        stop.abort();
        streams.delete(end);
        clearInterval(heartbeat);
        clearTimeout(lifetime);
        stream.end();
      };
      const heartbeat = setInterval(() => stream.write(': still here\n\n'), HEARTBEAT_MS);
      const lifetime = setTimeout(end, STREAM_LIFETIME_MS);
      reply.raw.on('close', end);
      streams.add(end);

      stream.write('retry: 2000\n\n');
      send({ type: 'claims', claims: found });
      const refs = new Map<string, ClaimRef>();
      for (const ref of [...found, ...named]) refs.set(`${ref.namespace}/${ref.name}`, ref);
      for (const ref of refs.values()) {
        followDesktopClaim(
          kc,
          username,
          { namespace: ref.namespace, name: ref.name },
          {
            claim: (claim) => send({ type: 'claim', claim }),
            gone: ({ namespace, name }) => send({ type: 'gone', namespace, name }),
            signedOut: end,
            trouble: (err) =>
              request.log.debug(
                { cause: err instanceof Error ? err.message : String(err) },
                'could not read beside a claim',
              ),
          },
          stop.signal,
        ).catch((err: unknown) => {
          request.log.warn({ cause: err instanceof Error ? err.message : String(err) }, 'a claim watch failed');
        });
      }
      return reply
        .type('text/event-stream; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('x-accel-buffering', 'no')
        .send(stream);
    }),
  );
}

/** `?claim=<namespace>/<name>` (repeatable); anything that is not a claim name is ignored. */
function namedClaims(value: string | string[] | undefined): ClaimRef[] {
  const values = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return values.slice(0, MAX_NAMED_CLAIMS).flatMap((v) => {
    const [namespace, name, ...rest] = v.split('/');
    const ref = ClaimRef.safeParse({ namespace, name });
    return ref.success && rest.length === 0 ? [ref.data] : [];
  });
}
