import { stemmer } from 'stemmer';

const STOP_WORDS = new Set(
  'a an and are as at be but by can could do does did for from get got have has how i if in into is it its me my of on or our so than that the their them there these they this to up us was we what when where which who why will with would you your am any many much should may might'.split(' '),
);

/**
 * Everyday words people ask with, mapped to the handbook's own words, so
 * "time off after having a baby" finds "parental leave". Keys and values are
 * written plainly; both sides are stemmed like any other term.
 */
const EVERYDAY_WORDS: Readonly<Record<string, readonly string[]>> = {
  baby: ['parental', 'birth'],
  newborn: ['parental', 'birth'],
  pregnant: ['parental', 'birth', 'prenatal'],
  pregnancy: ['parental', 'prenatal'],
  maternity: ['parental', 'birth'],
  paternity: ['parental'],
  adopt: ['adoption', 'parental'],
  pto: ['vacation', 'time', 'off'],
  holidays: ['vacation', 'holiday'],
  wfh: ['remote', 'home'],
  remotely: ['remote'],
  abroad: ['country'],
  overseas: ['country'],
  telework: ['remote', 'home'],
  reimburse: ['expense', 'reimbursed'],
  reimbursement: ['expense', 'reimbursed'],
  expensed: ['expense', 'reimbursed'],
  harassing: ['harassment'],
  harassed: ['harassment'],
  bullying: ['harassment', 'bullying'],
  coworker: ['colleague'],
  talk: ['report'],
  tell: ['report'],
  complain: ['report', 'concern'],
  ill: ['sick'],
  illness: ['sick'],
  laptop: ['equipment', 'laptop'],
  course: ['learning', 'course'],
  training: ['learning'],
  overtime: ['overtime', 'hours'],
  gift: ['gifts', 'bribe'],
};

const stemmedEveryday = new Map<string, string[]>(Object.entries(EVERYDAY_WORDS).map(([k, v]) => [stemmer(k), v.map((w) => stemmer(w))]));

/** Words of a text, lowercased, without stop words, stemmed. */
export function terms(text: string): string[] {
  return (text.toLowerCase().normalize('NFKD').replace(/\p{M}+/gu, '').match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => !STOP_WORDS.has(w)).map((w) => stemmer(w));
}

/** One indexed term, as MiniSearch's `processTerm` wants it. */
export function indexTerm(term: string): string | null {
  const [t] = terms(term);
  return t ?? null;
}

/** One query term with the handbook words it stands for. */
export function queryTerm(term: string): string[] | null {
  const [t] = terms(term);
  if (t === undefined) return null;
  return [t, ...(stemmedEveryday.get(t) ?? [])];
}
