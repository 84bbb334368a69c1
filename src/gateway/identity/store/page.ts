/** A page of a management listing, ordered by id. */
export interface Page<T> {
  items: T[];
  /** Pass as `pageToken` for the next page; absent on the last one. */
  nextPageToken?: string;
}

/** Filters and paging of a listing. */
export interface ListQuery {
  tenant?: string | undefined;
  status?: 'active' | 'revoked' | undefined;
  /** 1–500. */
  pageSize: number;
  /** The last id of the previous page. */
  pageToken?: string | undefined;
}
