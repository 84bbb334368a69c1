import { badInput } from '../shared/bad-input.js';
import { fitAndForecast, type SmoothingParameters } from './exponential-smoothing.js';

export interface ForecastRequest {
  series: readonly number[];
  horizon: number;
  /** Points per season (12 for monthly data with a yearly cycle); seasonal smoothing when set. */
  seasonLength?: number;
  /** Label of each series point ("2025-12"); forecast periods are labelled after the last when it is a YYYY-MM month. */
  labels?: readonly string[];
}

export interface ForecastPoint {
  step: number;
  period?: string;
  value: number;
  /** Approximate 95% interval: ±1.96 × one-step RMSE × √step. */
  lower: number;
  upper: number;
}

export interface Forecast {
  method: 'holt' | 'holt-winters';
  parameters: SmoothingParameters;
  forecast: ForecastPoint[];
  fit: { rmse: number; mape: number | null; points: number };
  history: { points: number; last: number; lastPeriod?: string };
}

export const MAX_HORIZON = 60;
const round = (n: number): number => Math.round(n * 100) / 100;

function nextMonth(period: string, steps: number): string | undefined {
  const m = /^(\d{4})-(\d{2})$/.exec(period);
  if (!m) return undefined;
  const index = Number(m[1]) * 12 + Number(m[2]) - 1 + steps;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/**
 * Forecasts a series with exponential smoothing (Holt, or Holt-Winters when
 * a season length is given) and reports how well the model fit the history.
 *
 * @example
 * forecastSeries({ series: [120, 135, 150, 160, 172], horizon: 3 }).forecast.map((p) => p.value);
 */
export function forecastSeries(request: ForecastRequest): Forecast {
  const { series, horizon, seasonLength } = request;
  if (!Number.isInteger(horizon) || horizon < 1 || horizon > MAX_HORIZON) throw badInput('horizon', `must be a whole number of periods from 1 to ${MAX_HORIZON}, got ${horizon}`);
  if (series.some((v) => !Number.isFinite(v))) throw badInput('series', 'must hold only finite numbers');
  if (seasonLength !== undefined) {
    if (!Number.isInteger(seasonLength) || seasonLength < 2) throw badInput('seasonLength', `must be a whole number of at least 2, got ${seasonLength}`);
    if (series.length < 2 * seasonLength) throw badInput('series', `needs at least two full seasons (${2 * seasonLength} points) for a season length of ${seasonLength}; it has ${series.length}`);
  } else if (series.length < 3) {
    throw badInput('series', `needs at least 3 points to fit a trend; it has ${series.length}`);
  }
  const fit = fitAndForecast(series, horizon, seasonLength);
  const n = fit.residuals.length;
  const rmse = n === 0 ? 0 : Math.sqrt(fit.residuals.reduce((s, e) => s + e * e, 0) / n);
  // MAPE is undefined when an actual is zero.
  const mape = n === 0 || fit.actuals.some((a) => a === 0) ? null : round((100 * fit.residuals.reduce((s, e, i) => s + Math.abs(e / fit.actuals[i]!), 0)) / n);
  const lastLabel = request.labels?.at(-1);
  return {
    method: fit.method,
    parameters: fit.parameters,
    forecast: fit.forecast.map((value, i) => {
      const margin = 1.96 * rmse * Math.sqrt(i + 1);
      const period = lastLabel === undefined ? undefined : nextMonth(lastLabel, i + 1);
      return { step: i + 1, ...(period !== undefined && { period }), value: round(value), lower: round(value - margin), upper: round(value + margin) };
    }),
    fit: { rmse: round(rmse), mape, points: n },
    history: { points: series.length, last: series.at(-1)!, ...(lastLabel !== undefined && { lastPeriod: lastLabel }) },
  };
}
