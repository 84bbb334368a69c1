import { StreamResponse } from '@a2a-js/sdk';
import { V1PushNotificationSerializer } from '@a2a-js/sdk/server';
import type { PushNotificationSerializer } from '@a2a-js/sdk/server';
import { V03PushNotificationSerializer } from '@a2a-js/sdk/compat/v0_3/server';

/** The HTTP body of one notification and its content type. */
export interface PushBody {
  body: string;
  contentType: string;
}

/** Protocol versions a push config may have been registered over. */
export type PushProtocol = '1.0' | '0.3';

/**
 * Builds the webhook body of one stored event. The event log holds a
 * StreamResponse as A2A v1 JSON; the SDK's serializers turn it into what the
 * receiver registered for, so the two wire shapes are never hand-translated:
 *
 * - `1.0`: the StreamResponse as is, `application/a2a+json` (A2A §4.3.3).
 * - `0.3`: the bare v0.3 event (`Task`, `Message`, `TaskStatusUpdateEvent`
 *   or `TaskArtifactUpdateEvent`, with `kind` and lowercase states),
 *   `application/json`, as v0.3 webhooks expect.
 *
 * The task snapshot is deliberately not passed: with it the v0.3 serializer
 * would send the whole Task for every status or artifact event, and each
 * notification must describe its own event.
 *
 * @throws when the payload is not a StreamResponse (the caller dead-letters the row)
 */
export function buildPushBody(payload: string, protocol: PushProtocol): PushBody {
  const event = StreamResponse.fromJSON(JSON.parse(payload));
  if (event.payload === undefined) throw new Error('stored event is not a StreamResponse (no payload case)');
  return serializers[protocol].serialize(event);
}

// Stateless, so one pair serves every worker.
const serializers: Readonly<Record<PushProtocol, PushNotificationSerializer>> = Object.freeze({
  '1.0': new V1PushNotificationSerializer(),
  '0.3': new V03PushNotificationSerializer(),
});
