/*
 * Holt's linear trend method and its additive seasonal extension
 * (Holt-Winters), fitted by grid search on one-step-ahead squared error.
 * Hyndman & Athanasopoulos, "Forecasting: Principles and Practice", §8.2
 * and §8.3. Small, deterministic and explainable: no optimizer, no
 * randomness, the same parameters for the same series every time.
 */

export interface SmoothingParameters {
  alpha: number;
  beta: number;
  gamma?: number;
}

export interface SmoothingFit {
  method: 'holt' | 'holt-winters';
  parameters: SmoothingParameters;
  /** Point forecasts for steps 1..horizon. */
  forecast: number[];
  /** One-step-ahead errors over the fitted part of the series. */
  residuals: number[];
  /** Actual values the residuals are measured against (for MAPE). */
  actuals: number[];
}

const GRID = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

interface Run {
  sse: number;
  residuals: number[];
  actuals: number[];
  forecast: (h: number) => number;
}

function holtRun(y: readonly number[], alpha: number, beta: number): Run {
  let level = y[0]!;
  let trend = y[1]! - y[0]!;
  const residuals: number[] = [];
  const actuals: number[] = [];
  for (let t = 1; t < y.length; t++) {
    const predicted = level + trend;
    // t = 1 is predicted exactly by the initial trend: it says nothing about the fit.
    if (t >= 2) {
      residuals.push(y[t]! - predicted);
      actuals.push(y[t]!);
    }
    const previous = level;
    level = alpha * y[t]! + (1 - alpha) * (level + trend);
    trend = beta * (level - previous) + (1 - beta) * trend;
  }
  const sse = residuals.reduce((s, e) => s + e * e, 0);
  const [l, b] = [level, trend];
  return { sse, residuals, actuals, forecast: (h) => l + h * b };
}

function holtWintersRun(y: readonly number[], m: number, alpha: number, beta: number, gamma: number): Run {
  const mean = (from: number): number => y.slice(from, from + m).reduce((s, v) => s + v, 0) / m;
  let trend = (mean(m) - mean(0)) / m;
  // The first season's mean sits at its middle; the seasonal offsets are what
  // is left after that line, or the first season's trend is taken for season
  // and relearned only slowly. The level starts at the end of that season.
  const middle = (m - 1) / 2;
  const season = y.slice(0, m).map((v, i) => v - (mean(0) + (i - middle) * trend));
  let level = mean(0) + middle * trend;
  const residuals: number[] = [];
  const actuals: number[] = [];
  for (let t = m; t < y.length; t++) {
    const s = season[t - m]!;
    residuals.push(y[t]! - (level + trend + s));
    actuals.push(y[t]!);
    const previous = level;
    level = alpha * (y[t]! - s) + (1 - alpha) * (level + trend);
    trend = beta * (level - previous) + (1 - beta) * trend;
    season.push(gamma * (y[t]! - level) + (1 - gamma) * s);
  }
  const sse = residuals.reduce((s, e) => s + e * e, 0);
  const [l, b, n] = [level, trend, y.length];
  return { sse, residuals, actuals, forecast: (h) => l + h * b + season[n - m + ((h - 1) % m)]! };
}

/**
 * Fits Holt's method, or Holt-Winters when `seasonLength` is given, and
 * forecasts `horizon` steps. Holt needs 3 points; Holt-Winters two full
 * seasons. Parameters are the grid point (0.1 steps) with the least
 * one-step-ahead squared error; ties keep the smoother (smaller) values.
 *
 * @example
 * fitAndForecast([10, 12, 14, 16, 18], 2).forecast; // ≈ [20, 22]
 */
export function fitAndForecast(series: readonly number[], horizon: number, seasonLength?: number): SmoothingFit {
  let best: { run: Run; parameters: SmoothingParameters } | undefined;
  const consider = (run: Run, parameters: SmoothingParameters): void => {
    if (best === undefined || run.sse < best.run.sse - 1e-9) best = { run, parameters };
  };
  if (seasonLength !== undefined) {
    for (const alpha of GRID) for (const beta of GRID) for (const gamma of GRID) consider(holtWintersRun(series, seasonLength, alpha, beta, gamma), { alpha, beta, gamma });
  } else {
    for (const alpha of GRID) for (const beta of GRID) consider(holtRun(series, alpha, beta), { alpha, beta });
  }
  const { run, parameters } = best!;
  return {
    method: seasonLength === undefined ? 'holt' : 'holt-winters',
    parameters,
    forecast: Array.from({ length: horizon }, (_, i) => run.forecast(i + 1)),
    residuals: run.residuals,
    actuals: run.actuals,
  };
}
