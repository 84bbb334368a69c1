/** What sending through one channel costs and yields (list prices of the sample company, USD). */
export interface ChannelProfile {
  /** Contacts the channel can reach per business day without hurting deliverability. */
  dailyCapacity: number;
  costPerContact: number;
  /** Creative, list upload and tracking set-up, once per campaign. */
  setupCost: number;
  /** Share of contacts expected to respond, before weighting by lead score. */
  responseRate: number;
}

export const CHANNELS = {
  email: { dailyCapacity: 1000, costPerContact: 0.02, setupCost: 150, responseRate: 0.02 },
  linkedin: { dailyCapacity: 100, costPerContact: 1.8, setupCost: 300, responseRate: 0.045 },
  sms: { dailyCapacity: 2000, costPerContact: 0.05, setupCost: 100, responseRate: 0.012 },
  ads: { dailyCapacity: 5000, costPerContact: 0.6, setupCost: 500, responseRate: 0.008 },
} as const satisfies Record<string, ChannelProfile>;

export type Channel = keyof typeof CHANNELS;
export const CHANNEL_NAMES = Object.keys(CHANNELS) as Channel[];
