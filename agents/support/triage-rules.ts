/** A ticket category, the team that owns it, and the words that point to it. */
export interface CategoryRule {
  id: string;
  team: string;
  /** Priority before impact and urgency are weighed: 1 (highest) to 4. */
  basePriority: number;
  /** Patterns with their weight: a phrase that settles the matter counts more than a hint. */
  patterns: ReadonlyArray<readonly [RegExp, number]>;
  /**
   * Its decisive phrase wins over any amount of other evidence: "hacked, and
   * now I cannot log in" is a security incident before it is a login problem.
   */
  overrides?: boolean;
}

/**
 * The support team's routing table. Listed in precedence order: on a tie
 * the earlier category wins, so a ticket that reads both as a breach and as
 * a login problem goes to Security first.
 */
export const CATEGORY_RULES: readonly CategoryRule[] = [
  {
    id: 'security',
    team: 'Security Incident Response',
    basePriority: 2,
    overrides: true,
    patterns: [
      [/\b(?:data )?breach\b|\bhacked\b|\bcompromised\b|\bunauthori[sz]ed (?:access|login|charges?)\b/i, 3],
      [/\bphishing\b|\bvulnerabilit(?:y|ies)\b|\bmalware\b|\bleak(?:ed)?\b|\bsuspicious (?:activity|login|email)\b/i, 2],
    ],
  },
  {
    id: 'outage',
    team: 'SRE on-call',
    basePriority: 2,
    patterns: [
      [/\boutage\b|\bis down\b|\b(?:been|went|goes|are|is) down\b|\bdown for\b|\bcompletely down\b|\bnot (?:loading|responding|reachable)\b|\bunreachable\b|\bunavailable\b/i, 3],
      [/\b50[0234]\b|\btim(?:ed|ing) out\b|\btimeouts?\b|\bdegraded\b|\bslow(?:ness)?\b|\bstatus page\b|\boffline\b|\bwon'?t load\b/i, 1.5],
    ],
  },
  {
    id: 'data-privacy',
    team: 'Privacy Office',
    basePriority: 2,
    patterns: [
      [/\bgdpr\b|\bccpa\b|\bdsar\b|\bright to be forgotten\b|\bdelete (?:all )?my (?:personal )?(?:data|account|information)\b/i, 3],
      [/\bpersonal data\b|\bprivacy\b|\bdata (?:export|request|retention)\b/i, 1.5],
    ],
  },
  {
    id: 'login',
    team: 'Identity & Access',
    basePriority: 3,
    patterns: [
      [/\blocked out\b|\bcan'?t (?:log|sign) ?in\b|\bcannot (?:log|sign) ?in\b|\bunable to (?:log|sign) ?in\b|\bpassword reset\b|\breset(?:ting)? (?:my |their |the )?password\b/i, 3],
      [/\blog ?in\b|\bsign ?in\b|\bpassword\b|\b2fa\b|\bmfa\b|\bsso\b|\bsaml\b|\bauthenticat\w*\b|\bverification code\b|\bone-time code\b/i, 1.5],
    ],
  },
  {
    id: 'billing',
    team: 'Billing Operations',
    basePriority: 3,
    patterns: [
      [/\bcharged (?:twice|double|two times)\b|\bdouble[- ]charged?\b|\boverchar\w*\b|\brefund\w*\b|\bwrong (?:amount|invoice)\b/i, 3],
      [/\binvoices?\b|\bcharged?\b|\bbilling\b|\bbilled\b|\bpayments?\b|\bcredit card\b|\bsubscription\b|\breceipts?\b|\bpric(?:e|es|ing)\b|\bvat\b/i, 1.5],
    ],
  },
  {
    id: 'bug',
    team: 'Product Engineering',
    basePriority: 3,
    patterns: [
      [/\bcrash(?:es|ed|ing)?\b|\bbug\b|\bexception\b|\bstack ?trace\b|\bregression\b/i, 2.5],
      [/\berror\b|\bbroken\b|\bdoes(?:n'?t| not) work\b|\bnot working\b|\bfails?\b|\bfailing\b|\bglitch\b|\bwrong\b|\bincorrect\b|\bunexpected\b/i, 1.5],
    ],
  },
  {
    id: 'feature-request',
    team: 'Product Management',
    basePriority: 4,
    patterns: [
      [/\bfeature request\b|\b(?:could|can|would) (?:you|we) (?:please )?(?:add|support|build|offer)\b|\b(?:you|we) could (?:please )?(?:add|support|build|offer)\b|\bplease add\b|\bwould (?:be|love) (?:nice|great|helpful|to have)\b/i, 3],
      [/\bfeature\b|\bwish\b|\bsuggest(?:ion)?\b|\bsupport for\b|\bintegrat(?:e|ion) with\b|\broadmap\b|\benhancement\b|\bidea\b|\basking (?:for|if|whether)\b/i, 1.5],
    ],
  },
  {
    id: 'account',
    team: 'Customer Success',
    basePriority: 4,
    patterns: [
      [/\bcancel (?:my |our )?(?:account|subscription|plan)\b|\bupgrade (?:my |our )?plan\b|\bdowngrade\b|\badd (?:more )?(?:users|seats)\b|\btransfer ownership\b/i, 3],
      [/\baccount\b|\bseats?\b|\bplan\b|\bonboarding\b|\btraining\b/i, 1],
    ],
  },
];

/** When nothing matches: a person reads it. */
export const GENERAL = { id: 'general', team: 'Customer Support (tier 1)', basePriority: 3 } as const;

/** Many users or production affected: one level up. */
export const BROAD_IMPACT = /\ball (?:of )?(?:our |the )?(?:users|customers|clients|accounts)\b|\beveryone\b|\bnobody can\b|\bno one can\b|\bentire (?:team|company|org\w*)\b|\bsite-?wide\b|\bcompany-?wide\b|\bin production\b|\bprod(?:uction)? (?:is|environment)\b/i;
/** The customer says it is urgent: one level up. */
export const URGENCY = /\burgent(?:ly)?\b|\basap\b|\bimmediately\b|\bcritical\b|\bemergency\b|\bsev ?[01]\b|\bblock(?:er|ing|ed)\b/i;

/** First response targets by priority, hours (P1 around the clock; P3/P4 in business days). */
export const FIRST_RESPONSE_HOURS: Readonly<Record<number, number>> = { 1: 1, 2: 4, 3: 24, 4: 72 };
