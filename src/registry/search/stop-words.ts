/**
 * Words dropped before stemming. `STOP_WORDS` go from documents and queries
 * alike; `QUERY_FILLER_WORDS` only from queries, where they are the phrasing
 * of a request ("find me an agent that can…") rather than what is asked for.
 * "down", "up", "off" and "out" are kept on purpose: "production is down",
 * "time off" and "locked out" carry meaning here.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set([
  'a', 'about', 'above', 'after', 'again', 'against', 'all', 'am', 'an', 'and', 'any', 'are', 'as', 'at',
  'be', 'because', 'been', 'before', 'being', 'below', 'between', 'both', 'but', 'by',
  'did', 'do', 'does', 'doing', 'don', 'during', 'each', 'few', 'for', 'from', 'further',
  'had', 'has', 'have', 'having', 'he', 'her', 'here', 'hers', 'herself', 'him', 'himself', 'his', 'how',
  'i', 'if', 'in', 'into', 'is', 'it', 'its', 'itself', 'just', 'me', 'more', 'most', 'my', 'myself',
  'no', 'nor', 'not', 'now', 'of', 'on', 'once', 'only', 'or', 'other', 'our', 'ours', 'ourselves', 'own',
  'same', 'she', 'should', 'so', 'some', 'such', 'than', 'that', 'the', 'their', 'theirs', 'them', 'themselves',
  'then', 'there', 'these', 'they', 'this', 'those', 'through', 'to', 'too', 'until', 'very',
  'was', 'we', 'were', 'what', 'when', 'where', 'which', 'while', 'who', 'whom', 'why', 'will', 'with',
  'would', 'you', 'your', 'yours', 'yourself', 'yourselves', 'e.g', 'eg', 'etc', 'via', 'per',
]);

export const QUERY_FILLER_WORDS: ReadonlySet<string> = new Set([
  'agent', 'agents', 'bot', 'bots', 'assistant', 'tool', 'tools', 'service', 'services',
  'find', 'finds', 'need', 'needs', 'want', 'wants', 'looking', 'look', 'search', 'searching',
  'help', 'please', 'someone', 'something', 'anything', 'anyone', 'thing', 'things', 'stuff',
  'can', 'could', 'may', 'might', 'must', 'shall', 'let', 'lets', 'able', 'us', 'also',
  'tell', 'show', 'give', 'get', 'got', 'use', 'using', 'like',
]);
