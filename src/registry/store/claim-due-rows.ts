/**
 * Claims due rows one by one with a compare-and-set: `claim` moves a row's
 * due time forward only if it still holds the value this replica read, so
 * two replicas racing for the same row never both get it. Returns the rows
 * this replica won, in the order they were read.
 */
export async function claimDueRows<R>(rows: readonly R[], claim: (row: R) => Promise<{ numUpdatedRows: bigint }>): Promise<R[]> {
  const claimed: R[] = [];
  for (const row of rows) {
    const result = await claim(row);
    if (Number(result.numUpdatedRows) === 1) claimed.push(row);
  }
  return claimed;
}
