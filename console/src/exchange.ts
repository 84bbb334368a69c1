/** One frame a stream delivered, or a request the console sent (for the raw view). */
export interface Exchange {
  direction: 'sent' | 'received';
  at: number;
  body: unknown;
}
