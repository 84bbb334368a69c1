import type { Channel } from '../campaign-orchestrator/channels.js';

/** One touch of a follow-up sequence, counted in business days after the lead's first send. */
export interface CadenceStep {
  afterBusinessDays: number;
  channel: 'email' | 'linkedin' | 'phone' | 'sms';
  action: string;
  /** Sent by the platform (true) or done by the account owner (false). */
  automated: boolean;
}

/**
 * The sales team's follow-up sequence per campaign channel. A lead who got
 * a cold email is nudged twice by email, then gets a rep's LinkedIn request
 * and call; channels with a human touch already (LinkedIn) move to a call
 * sooner. Offsets grow so touches do not pile up in the first week.
 */
export const CADENCES: Readonly<Record<Channel, readonly CadenceStep[]>> = {
  email: [
    { afterBusinessDays: 2, channel: 'email', action: 'Follow-up email: one-line bump of the first message', automated: true },
    { afterBusinessDays: 5, channel: 'linkedin', action: 'Connect on LinkedIn with a personal note', automated: false },
    { afterBusinessDays: 8, channel: 'phone', action: 'Call: qualify interest and book a demo', automated: false },
    { afterBusinessDays: 14, channel: 'email', action: 'Break-up email: last message of the sequence', automated: true },
  ],
  linkedin: [
    { afterBusinessDays: 3, channel: 'linkedin', action: 'LinkedIn follow-up message', automated: false },
    { afterBusinessDays: 6, channel: 'email', action: 'Intro email with a case study', automated: true },
    { afterBusinessDays: 10, channel: 'phone', action: 'Call: qualify interest and book a demo', automated: false },
  ],
  sms: [
    { afterBusinessDays: 1, channel: 'email', action: 'Recap email of the SMS offer', automated: true },
    { afterBusinessDays: 4, channel: 'phone', action: 'Call the leads who clicked', automated: false },
  ],
  ads: [
    { afterBusinessDays: 3, channel: 'email', action: 'Email to the accounts that engaged with the ads', automated: true },
    { afterBusinessDays: 7, channel: 'phone', action: 'Call: qualify interest and book a demo', automated: false },
  ],
};
