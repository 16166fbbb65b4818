// The portal's Prometheus metrics, in a registry of its own (tests run several portals in one process).
import { Counter, Registry } from 'prom-client';
import type { ErrorKind } from './api-types.js';

export type SignInMethod = 'token' | 'oidc';
export type SignInResult = 'success' | 'rejected' | 'error';

export class PortalMetrics {
  readonly registry = new Registry();

  readonly signIns = new Counter({
    name: 'kubevdi_portal_sign_ins_total',
    help: 'Sign-ins by method (token, oidc) and result (success, rejected by the API server, error).',
    labelNames: ['method', 'result'] as const,
    registers: [this.registry],
  });

  readonly apiErrors = new Counter({
    name: 'kubevdi_portal_api_errors_total',
    help: 'Refused or failed portal API requests by kind (unauthenticated, forbidden, not-found, conflict, invalid, unavailable, internal, csrf).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  signIn(method: SignInMethod, result: SignInResult): void {
    this.signIns.inc({ method, result });
  }

  apiError(kind: ErrorKind | 'csrf'): void {
    this.apiErrors.inc({ kind });
  }
}
