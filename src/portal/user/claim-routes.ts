// The person's claims over the JSON API: GET /api/claims (their own), POST /api/claims (take a
// desktop from a pool) and DELETE /api/claims/:namespace/:name (give it back), each as the person.
import type { FastifyInstance } from 'fastify';
import { ClaimList, ClaimParams, Claim as ClaimSchema, CreateClaim } from '../api-types.js';
import type { AsPerson, Refuse } from '../person.js';
import { whoami } from '../whoami.js';
import { createClaim, heldBeyondLimit, ownClaims, readPool, releaseClaim } from './claims.js';

export interface ClaimRoutesOptions {
  asPerson: AsPerson;
  refuse: Refuse;
  namespaces: readonly string[];
}

export function claimRoutes(app: FastifyInstance, options: ClaimRoutesOptions): void {
  const { asPerson, refuse, namespaces } = options;

  app.get(
    '/api/claims',
    asPerson(async (kc) => ClaimList.parse({ claims: await ownClaims(kc, (await whoami(kc)).username, namespaces) })),
  );
  app.post(
    '/api/claims',
    asPerson(async (kc, request, reply) => {
      const body = CreateClaim.safeParse(request.body);
      if (!body.success)
        return refuse(reply, 400, { error: 'expected {"namespace": "...", "pool": "..."}', kind: 'invalid' });
      const { username } = await whoami(kc);
      // The operator enforces maxDesktopsPerUser: a claim over it is Failed and gets no grant, so
      // the person could not even see it. Said here instead, before anything is created.
      const held = heldBeyondLimit(
        await ownClaims(kc, username, [body.data.namespace]),
        await readPool(kc, body.data.namespace, body.data.pool),
      );
      if (held) return refuse(reply, 409, { error: held, kind: 'conflict' });
      // spec.user is who the API server says the person is; the admission policy checks it again.
      const claim = await createClaim(kc, username, body.data);
      request.log.info({ claim: `${claim.namespace}/${claim.name}` }, 'claim created');
      return reply.code(201).send(ClaimSchema.parse(claim));
    }),
  );
  app.delete(
    '/api/claims/:namespace/:name',
    asPerson(async (kc, request, reply) => {
      const params = ClaimParams.safeParse(request.params);
      if (!params.success) return refuse(reply, 400, { error: 'not a claim name', kind: 'invalid' });
      await releaseClaim(kc, params.data.namespace, params.data.name);
      request.log.info({ claim: `${params.data.namespace}/${params.data.name}` }, 'claim released');
      return reply.code(204).send();
    }),
  );
}
