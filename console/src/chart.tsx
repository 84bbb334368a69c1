/** A time-series chart on uPlot (ADR 0018): one canvas, sized to its box, redrawn when the data changes. */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  /** A colour with at least 3:1 contrast on white (WCAG 1.4.11, non-text contrast). */
  stroke: string;
  values: Array<number | null>;
}

/** `span`: seconds of history shown, ending now (default one hour). */
export function TimeChart(props: { title: string; times: number[]; series: Series[]; unit: string; span?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = props.series.map((s) => s.label).join('\n');

  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height: 200,
      series: [{}, ...props.series.map((s) => ({ label: s.label, stroke: s.stroke, width: 2, points: { show: true, size: 6 }, value: (_u: uPlot, v: number | null) => (v === null ? '–' : `${v.toFixed(2)} ${props.unit}`) }))],
      axes: [{}, { label: props.unit, size: 60 }],
      // The last hour, whatever the points cover: a fresh gateway's single point is not stretched over years.
      scales: { x: { time: true, auto: false, range: () => [Date.now() / 1000 - (props.span ?? 3600), Date.now() / 1000 + (props.span ?? 3600) / 60] } },
    };
    plot.current = new uPlot(opts, [props.times, ...props.series.map((s) => s.values)] as uPlot.AlignedData, el);
    const resize = () => plot.current?.setSize({ width: Math.max(280, el.clientWidth), height: 200 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.current?.destroy();
      plot.current = null;
    };
    // Rebuilt only when the series change; new data goes through setData below.
  }, [shape]);

  useEffect(() => {
    plot.current?.setData([props.times, ...props.series.map((s) => s.values)] as uPlot.AlignedData);
  }, [props.times, props.series]);

  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <div ref={box} role="img" aria-label={`${props.title}: ${props.series.map((s) => `${s.label} ${latest(s.values)}`).join(', ')}`} />
    </figure>
  );
}

function latest(values: Array<number | null>): string {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null && values[i] !== undefined) return values[i]!.toFixed(2);
  return 'no data';
}
