import { ListTasksResponse } from '@a2a-js/sdk';

/**
 * The wire JSON of a ListTasksResponse, for both bindings. ts-proto's toJSON
 * drops fields holding their zero value, but the proto marks all four fields
 * REQUIRED (A2A §3.1.4), so an empty page still says `"tasks":[]`,
 * `"nextPageToken":""` and `"totalSize":0`. With includeArtifacts=false the
 * tasks' `artifacts` MUST be absent, not empty.
 */
export function listTasksJson(response: ListTasksResponse, includeArtifacts: boolean): string {
  const json = ListTasksResponse.toJSON(response) as { tasks?: Array<Record<string, unknown>> };
  if (!includeArtifacts) for (const t of json.tasks ?? []) delete t['artifacts'];
  return JSON.stringify({ tasks: [], nextPageToken: '', pageSize: response.pageSize, totalSize: 0, ...json });
}
