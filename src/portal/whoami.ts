// Who a bearer token belongs to, as the API server says (SelfSubjectReview): the portal never
// reads identity out of a token itself, so it believes exactly what RBAC and admission believe.
import { AuthenticationV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Me } from './api-types.js';

export async function whoami(kc: KubeConfig): Promise<Me> {
  const review = await kc.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  });
  const user = review.status?.userInfo;
  if (!user?.username) throw new Error('the API server named no user for this token');
  return { username: user.username, groups: user.groups ?? [] };
}
