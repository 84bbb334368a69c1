import { leadIdsInText, sampleLeads, sampleProspectIds } from '../shared/sample-leads.js';
import type { Channel } from './channels.js';
import type { CampaignInput } from './plan-campaign.js';

const CHANNEL_WORDS: ReadonlyArray<[RegExp, Channel]> = [
  [/\blinked ?in\b/i, 'linkedin'],
  [/\b(sms|text messages?|texts)\b/i, 'sms'],
  [/\b(ads?|advertising|display|paid social|retargeting)\b/i, 'ads'],
  [/\b(e-?mails?|newsletters?|mailing|drip|nurture)\b/i, 'email'],
];

const REGION_WORDS: ReadonlyArray<[RegExp, string]> = [
  [/\b(emea|europe|european|uk|germany|france|middle east|africa)\b/i, 'emea'],
  // "NA" and "US" only in capitals: "us" is a pronoun.
  [/\b(north america|usa|united states|canada)\b/i, 'na'],
  [/\b(NA|US)\b/, 'na'],
  [/\b(latam|latin america|south america|brazil|mexico)\b/i, 'latam'],
  [/\b(apac|asia|asia-pacific|australia|japan|singapore)\b/i, 'apac'],
];

const INDUSTRIES = [...new Set([...sampleLeads.values()].map((l) => l.industry))];

/** A request to launch a campaign, read from free text; `audience` lists the sample prospects it describes. */
export interface CampaignText {
  input: Omit<CampaignInput, 'name' | 'leadIds'> & { name: string | undefined };
  leadIds: string[];
  /** How the audience was chosen, for the summary: "fintech in emea". */
  audienceLabel: string;
}

/**
 * Reads a campaign request in words: the name ("called Spring Promo", or in
 * quotes), the channel, a start date, and the audience as lead ids or as
 * industries and regions of the sample CRM's prospects (industries OR'ed,
 * regions OR'ed, the two AND'ed).
 *
 * @example
 * campaignText('launch "Spring Promo" by email to retail prospects in EMEA from 2026-03-02');
 * // { input: { name: 'Spring Promo', channel: 'email', startDate: '2026-03-02' }, leadIds: [...retail emea prospects], audienceLabel: 'retail in emea' }
 */
export function campaignText(text: string): CampaignText {
  const quoted = /["“]([^"”]{1,120})["”]/.exec(text);
  const called = /\b(?:called|named|titled)\s+([A-Za-z0-9][\w '&-]{0,118}?)(?=\s+(?:for|to|on|via|by|with|starting|from|targeting|in)\b|[,.;!?]|$)/i.exec(text);
  const name = (quoted?.[1] ?? called?.[1])?.trim();
  const channel = CHANNEL_WORDS.find(([re]) => re.test(text))?.[1];
  const startDate = /\b(\d{4}-\d{2}-\d{2})\b/.exec(text)?.[1];

  const explicit = leadIdsInText(text).filter((id) => sampleLeads.has(id));
  const industries = INDUSTRIES.filter((i) => new RegExp(`\\b${i}\\b`, 'i').test(text));
  const regions = [...new Set(REGION_WORDS.filter(([re]) => re.test(text)).map(([, r]) => r))];
  let leadIds = explicit;
  let audienceLabel = explicit.length > 0 ? `${explicit.length} named leads` : '';
  if (explicit.length === 0 && (industries.length > 0 || regions.length > 0)) {
    leadIds = sampleProspectIds.filter((id) => {
      const lead = sampleLeads.get(id)!;
      return (industries.length === 0 || industries.includes(lead.industry)) && (regions.length === 0 || regions.includes(lead.region));
    });
    audienceLabel = [industries.join('/'), regions.length > 0 ? `in ${regions.join('/')}` : ''].filter((s) => s !== '').join(' ');
  }
  return {
    input: { name, ...(channel && { channel }), ...(startDate && { startDate }) },
    leadIds,
    audienceLabel,
  };
}
