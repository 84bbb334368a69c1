import type { FastifyInstance } from 'fastify';
import { creditRoutes, type CreditRoutesOptions } from './credit-routes.js';
import { reservationRoutes } from './reservation-routes.js';

/**
 * Adds `GET /v1/tenants/{tenant}/credits`, `GET /v1/tenants/{tenant}/credits/usage`,
 * `POST /v1/tenants/{tenant}/credits/topups`, `GET /v1/tenants/{tenant}/credits/reservations`
 * and `POST /v1/tenants/{tenant}/credits/reservations/release` to `app`, each
 * group an encapsulated plugin (their WWW-Authenticate hooks touch only them).
 */
export async function registerCreditRoutes(app: FastifyInstance, options: CreditRoutesOptions): Promise<void> {
  await app.register(creditRoutes, options);
  await app.register(reservationRoutes, options);
}
