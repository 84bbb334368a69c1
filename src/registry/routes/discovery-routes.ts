import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Errors } from '../../protocol/index.js';
import { REGISTRY_MEDIA_TYPE } from '../../contracts/registry/index.js';
import type { ArdFilter, SearchIndex } from '../search/index.js';
import * as s from '../../contracts/registry/index.js';
import type { RegistryAuthenticate } from './write-auth.js';

/** What the discovery routes need. */
export interface DiscoveryRoutesOptions {
  index: SearchIndex;
  publicUrl: () => string;
  publisher: string;
  authenticate: RegistryAuthenticate | undefined;
}

interface SearchBody {
  query: { text: string; filter?: ArdFilter };
  federation?: string;
  pageSize?: number;
  pageToken?: string;
}

interface ExploreBody {
  query?: { text?: string; filter?: ArdFilter };
  resultType: { facets: Array<{ field: string; limit?: number; minCount?: number }> };
}

/** ARD (ard.md §7): `POST /search`, `POST /explore`, `GET /agents`, and `/.well-known/ai-catalog.json`. */
export async function discoveryRoutes(app: FastifyInstance, options: DiscoveryRoutesOptions): Promise<void> {
  const { index } = options;
  const tags = ['discovery'];
  // A caller with a tenant sees only agents open to it; anonymous callers see what is open to all.
  const tenantOf = async (request: FastifyRequest) => (options.authenticate ? (await options.authenticate(request).catch(() => undefined))?.tenant : undefined);

  app.post<{ Body: SearchBody }>('/search', { schema: { tags, summary: 'ARD search: ranked catalog entries (score 0–100)', body: s.searchBody } }, async (request) => {
    const { query, pageSize, pageToken } = request.body;
    const tenant = await tenantOf(request);
    const page = index.search({
      text: query.text,
      ...(query.filter !== undefined && { filter: query.filter }),
      ...(pageSize !== undefined && { pageSize }),
      ...(pageToken !== undefined && { pageToken }),
      ...(tenant !== undefined && { tenant }),
    });
    const source = options.publicUrl();
    // Federation is `none` whatever was asked: this registry has no upstreams yet, so there is nothing to merge or refer to.
    // ARD SearchResponse (ard.openapi.yaml) is closed (additionalProperties: false): no count beside results and pageToken.
    return { results: page.results.map((r) => ({ ...r, source })), ...(page.pageToken !== undefined && { pageToken: page.pageToken }) };
  });

  app.post<{ Body: ExploreBody }>('/explore', { schema: { tags, summary: 'ARD explore: facets over the matched set', body: s.exploreBody } }, async (request) => {
    const { query, resultType } = request.body;
    const tenant = await tenantOf(request);
    return index.explore({
      ...(query?.text !== undefined && { text: query.text }),
      ...(query?.filter !== undefined && { filter: query.filter }),
      facets: resultType.facets,
      ...(tenant !== undefined && { tenant }),
    });
  });

  app.get<{ Querystring: { filter?: string; orderBy?: string; pageSize?: number; pageToken?: string } }>(
    '/agents',
    { schema: { tags, summary: 'ARD list: deterministic browsing', querystring: s.ardListQuery } },
    async (request) => {
      const { filter, orderBy, pageSize, pageToken } = request.query;
      const tenant = await tenantOf(request);
      const page = index.list({
        ...(filter !== undefined && { filter: parseListFilter(filter) }),
        ...(orderBy !== undefined && { orderBy }),
        ...(pageSize !== undefined && { pageSize }),
        ...(pageToken !== undefined && { pageToken }),
        ...(tenant !== undefined && { tenant }),
      });
      // ARD ListResponse (ard.openapi.yaml): items, total, pageToken.
      return { items: page.entries, total: page.totalSize, ...(page.pageToken !== undefined && { pageToken: page.pageToken }) };
    },
  );

  app.get('/.well-known/ai-catalog.json', { schema: { tags, summary: 'AI Catalog of this registry and its agents' } }, async (_request, reply) => {
    const base = options.publicUrl();
    const entries = [];
    for (let token: string | undefined, first = true; first || token !== undefined; first = false) {
      const page = index.list({ pageSize: 100, ...(token !== undefined && { pageToken: token }) });
      entries.push(...page.entries);
      token = page.pageToken;
    }
    return reply.header('cache-control', 'public, max-age=30').send({
      specVersion: '1.0',
      host: { displayName: 'agentmesh registry', identifier: options.publisher },
      entries: [
        {
          identifier: `urn:air:${options.publisher}:registry:agentmesh`,
          displayName: 'agentmesh agent registry',
          type: REGISTRY_MEDIA_TYPE,
          url: `${base}/`,
          description: 'ARD search (POST /search), explore (POST /explore) and list (GET /agents) over every agent registered here.',
          tags: ['registry', 'search', 'a2a'],
        },
        ...entries,
      ],
    });
  });
}

/**
 * ard.md Appendix A: `key=value` terms separated by spaces (or `&`), values
 * comma-separated (OR). `publisherId` is the publisher of the identifier.
 */
export function parseListFilter(text: string): ArdFilter {
  const filter: ArdFilter = {};
  for (const term of text.split(/[\s&]+/).filter(Boolean)) {
    const eq = term.indexOf('=');
    if (eq <= 0) throw Errors.registryFilterTermInvalid({ quotedTerm: JSON.stringify(term) }, { violations: [{ field: 'filter', description: 'terms are key=value[,value…] separated by spaces' }] });
    const key = term.slice(0, eq);
    const values = decodeURIComponent(term.slice(eq + 1)).split(',').filter(Boolean);
    filter[key === 'publisherId' ? 'publisher' : key] = values;
  }
  return filter;
}
