import type { AgentCard } from '@a2a-js/sdk';
import { Errors, grpcTargetOrigin, parseGrpcTarget } from '../../protocol/index.js';
import type { AddressVerdicts } from '../../http/index.js';

/**
 * Puts every interface URL of an admitted card through the SSRF guard, before
 * the registry commits anything: the registry probes the
 * primary interface and the gateway routes to it, so a card that points at a
 * forbidden address is refused whole, and a refused registration leaves no
 * record, instance or change behind.
 *
 * Only a refusal counts (AM_ERR_SSRF_BLOCKED, naming the interface): a host
 * that does not resolve yet (a pod still starting) is the health probe's
 * business, as with an instance registered by URL. Verdicts are remembered
 * per origin ({@link AddressVerdicts}): a registration does not wait on DNS
 * for a host already judged. A GRPC interface given as a gRPC target
 * (`host:port`) is judged as `http://host:port/`: the same host and port.
 *
 * @example
 * await checkInterfaceUrls(admitted.card, verdicts); // throws AM_ERR_CARD_INTERFACE_REFUSED for https://10.0.0.5/a2a
 */
export async function checkInterfaceUrls(card: AgentCard, verdicts: AddressVerdicts): Promise<void> {
  const interfaces = card.supportedInterfaces ?? [];
  for (let index = 0; index < interfaces.length; index++) {
    const url = interfaces[index]?.url;
    if (url === undefined) continue;
    const field = `supportedInterfaces[${index}].url`;
    // A gRPC target (`host:port`) names a host as much as a URL does: judged as that host and port.
    const target = interfaces[index]?.protocolBinding.toUpperCase() === 'GRPC' ? parseGrpcTarget(url) : undefined;
    const err = await verdicts.refusal(target !== undefined ? grpcTargetOrigin(target) : url);
    if (err === undefined) continue;
    throw Errors.cardInterfaceRefused({ field, reason: err.message }, {
      cause: err,
      ...(err.details !== undefined && { details: err.details }),
      violations: [{ field, description: err.message }],
    });
  }
}
