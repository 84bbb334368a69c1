import { defineAgent, type SkillContext } from 'agentmesh';
import { forecastSeries, MAX_HORIZON, type Forecast, type ForecastRequest } from './analytics/forecast.js';
import { forecastText } from './analytics/forecast-text.js';
import { sampleMetrics } from './analytics/sample-metrics.js';
import { askText } from './shared/ask-text.js';
import { badInput } from './shared/bad-input.js';
import { textOrData } from './shared/text-or-data.js';
import { EXAMPLE_PUBLISHER } from './shared/example-publisher.js';

const FORECAST_CREDITS = 1;
const DEFAULT_HORIZON = 3;
/** The sample history is monthly with a yearly cycle. */
const MONTHS_PER_YEAR = 12;

type ForecastOutput = Forecast & { metric?: string; unit?: string };

/** A series and how to read it: given numbers, or a metric of the sample history (seasonal, labelled by month). */
function requestFor(series: number[] | undefined, metric: string | undefined, horizon: number, seasonLength: number | undefined): ForecastRequest & { metric?: string; unit?: string } {
  if (series !== undefined && metric !== undefined) throw badInput('metric', 'cannot be combined with series: send the numbers, or the name of a sample metric');
  if (series !== undefined) return { series, horizon, ...(seasonLength !== undefined && { seasonLength }) };
  const sample = sampleMetrics.get(metric!);
  if (!sample) throw badInput('metric', `must be one of ${[...sampleMetrics.keys()].join(', ')}, got ${JSON.stringify(metric)}`);
  return { series: sample.values, labels: sample.months, horizon, seasonLength: seasonLength ?? MONTHS_PER_YEAR, metric: sample.name, unit: sample.unit };
}

/** A forecast request in words; the metric or numbers are asked for when the text names neither. */
async function requestFromText(text: string, ctx: SkillContext): Promise<ReturnType<typeof requestFor>> {
  let read = forecastText(text);
  if (read.series === undefined && read.metric === undefined) {
    const answer = forecastText(await askText(ctx, `What should I forecast? Name a metric (${[...sampleMetrics.keys()].join(', ')}) or send the numbers, e.g. "120, 135, 150, 160".`));
    read = { ...read, ...answer, horizon: answer.horizon ?? read.horizon };
  }
  if (read.series === undefined && read.metric === undefined) throw badInput('message', `names nothing to forecast: name a metric (${[...sampleMetrics.keys()].join(', ')}) or write at least three numbers`);
  return requestFor(read.series, read.metric, Math.min(read.horizon ?? DEFAULT_HORIZON, MAX_HORIZON), undefined);
}

function summary(f: ForecastOutput): string {
  const what = f.metric ? `${f.metric} (${f.unit})` : 'the series';
  const points = f.forecast.map((p) => `${p.period ?? `t+${p.step}`}: ${p.value} [${p.lower}, ${p.upper}]`);
  return [`Forecast of ${what} with ${f.method} (alpha ${f.parameters.alpha}, beta ${f.parameters.beta}${f.parameters.gamma !== undefined ? `, gamma ${f.parameters.gamma}` : ''}; MAPE ${f.fit.mape ?? 'n/a'}%)`, ...points].join('\n');
}

/** Seed 000's analytics department agent: forecasts business metrics with exponential smoothing. */
export default defineAgent({
  card: {
    name: 'analytics',
    description: 'Analytics department: forecasts business metrics (revenue, bookings, signups, active users, support tickets) or any numeric time series with trend and seasonality, with prediction intervals.',
    ...EXAMPLE_PUBLISHER,
  },
  registry: {
    department: 'analytics',
    owner: 'bi-team@example.com',
    costCenter: 'CC-BI-08',
    sla: { tier: 'silver', availability: 99.5, maxLatencyMs: 2000 },
    tags: ['analytics', 'bi'],
    skills: { forecast: { pricing: { creditsPerCall: FORECAST_CREDITS } } },
  },
  skills: {
    forecast: {
      name: 'Forecast',
      description: `Forecasts a time series with exponential smoothing (Holt's trend, Holt-Winters when seasonal), fitted to the history, with approximate 95% intervals and the fit's error. Data { series: [...], horizon, seasonLength? } or { metric, horizon } for the monthly history of ${[...sampleMetrics.keys()].join(', ')}; or text.`,
      tags: ['forecast', 'prediction', 'time-series', 'trend', 'analytics', 'projection'],
      examples: [
        'forecast revenue for the next 6 months',
        'how many signups should we expect next quarter?',
        'predict monthly active users for the coming year',
        '{"series":[120,135,150,160,172],"horizon":3}',
        '{"metric":"bookings","horizon":12}',
      ],
      input: textOrData({
        type: 'object',
        required: ['horizon'],
        anyOf: [{ required: ['series'] }, { required: ['metric'] }],
        additionalProperties: false,
        properties: {
          series: { type: 'array', minItems: 3, maxItems: 10000, items: { type: 'number' } },
          metric: { enum: [...sampleMetrics.keys()] },
          horizon: { type: 'integer', minimum: 1, maximum: MAX_HORIZON },
          seasonLength: { type: 'integer', minimum: 2, maximum: 366 },
        },
      }),
      idempotent: true,
      handler: async (input, ctx): Promise<ForecastOutput> => {
        const request = typeof input === 'string' ? await requestFromText(input, ctx) : requestFor(input.series, input.metric, input.horizon, input.seasonLength);
        ctx.progress(`Fitting ${request.seasonLength === undefined ? "Holt's trend model" : `Holt-Winters (season of ${request.seasonLength})`} to ${request.series.length} points`);
        const forecast: ForecastOutput = { ...(request.metric !== undefined && { metric: request.metric, unit: request.unit }), ...forecastSeries(request) };
        ctx.usage({ credits: FORECAST_CREDITS, units: { points: request.series.length } });
        ctx.artifact({ name: 'summary', parts: [{ text: summary(forecast) }] });
        return forecast;
      },
    },
  },
});
