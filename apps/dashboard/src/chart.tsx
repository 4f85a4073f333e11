/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** Server-drawn SVG charts (no chart library, no script): daily sends and replies as bars. */
import type { DailyPoint } from "@offerlab/db";

export function DailyChart(props: { points: DailyPoint[]; title?: string }) {
  const width = 720;
  const height = 180;
  const pad = { left: 34, right: 8, top: 10, bottom: 24 };
  const max = Math.max(1, ...props.points.map((p) => Math.max(p.sends, p.replies)));
  const n = Math.max(1, props.points.length);
  const slot = (width - pad.left - pad.right) / n;
  const bar = Math.max(2, slot / 2 - 2);
  const y = (v: number) => pad.top + (height - pad.top - pad.bottom) * (1 - v / max);
  const ticks = [0, Math.round(max / 2), max];
  const totalSends = props.points.reduce((s, p) => s + p.sends, 0);
  const totalReplies = props.points.reduce((s, p) => s + p.replies, 0);
  return (
    <figure class="chart" data-chart="daily">
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={props.title ?? "Daily sends and replies"}>
        {ticks.map((t) => (
          <g>
            <line x1={pad.left} x2={width - pad.right} y1={y(t)} y2={y(t)} stroke="#eef0f3" />
            <text x={pad.left - 4} y={y(t) + 3} text-anchor="end">
              {String(t)}
            </text>
          </g>
        ))}
        {props.points.map((p, i) => {
          const x = pad.left + i * slot + 1;
          return (
            <g>
              <rect class="sends" x={x} y={y(p.sends)} width={bar} height={y(0) - y(p.sends)}>
                <title>{`${p.day}: ${p.sends} sent`}</title>
              </rect>
              <rect class="replies" x={x + bar + 1} y={y(p.replies)} width={bar} height={y(0) - y(p.replies)}>
                <title>{`${p.day}: ${p.replies} replies`}</title>
              </rect>
              {i % Math.ceil(n / 7) === 0 ? (
                <text x={x} y={height - 8}>
                  {p.day.slice(5)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption class="legend small">
        <span>
          <i class="sw sends"></i>sent ({totalSends})
        </span>
        <span>
          <i class="sw replies"></i>replies ({totalReplies})
        </span>
        <span class="muted">per UTC day, last {props.points.length} days</span>
      </figcaption>
    </figure>
  );
}

/** One arm of an interval plot: its rate and 95 % interval (null rate: nothing matured yet). */
export interface IntervalArm {
  key: string;
  label: string;
  rate: number | null;
  low: number;
  high: number;
  /** Drawn in the "best" colour (the verdict's winner or leader). */
  best?: boolean;
}

const pctLabel = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)} %`;

/**
 * Per arm its rate (a dot) and 95 % interval (a line) on one shared axis from 0 to the highest
 * interval end, server-drawn SVG: arms whose lines overlap a lot cannot be told apart yet.
 */
export function IntervalPlot(props: { arms: IntervalArm[]; title: string }) {
  const width = 560;
  const row = 26;
  const pad = { left: 120, right: 16, top: 8, bottom: 22 };
  const height = pad.top + pad.bottom + row * Math.max(1, props.arms.length);
  const max = Math.max(0.01, ...props.arms.filter((a) => a.rate !== null).map((a) => a.high));
  const x = (v: number) => pad.left + (width - pad.left - pad.right) * Math.min(1, v / max);
  const ticks = [0, max / 2, max];
  return (
    <figure class="chart" data-chart="intervals">
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={props.title}>
        {ticks.map((t) => (
          <g>
            <line x1={x(t)} x2={x(t)} y1={pad.top} y2={height - pad.bottom} stroke="#eef0f3" />
            <text x={x(t)} y={height - 6} text-anchor="middle">
              {pctLabel(t)}
            </text>
          </g>
        ))}
        {props.arms.map((a, i) => {
          const y = pad.top + row * i + row / 2;
          return (
            <g data-arm={a.key}>
              <text x={pad.left - 6} y={y + 3} text-anchor="end">
                {a.label.length > 22 ? `${a.label.slice(0, 21)}…` : a.label}
              </text>
              {a.rate === null ? (
                <text x={pad.left + 4} y={y + 3}>
                  nothing matured yet
                </text>
              ) : (
                <>
                  <line class="ci" x1={x(a.low)} x2={x(a.high)} y1={y} y2={y}>
                    <title>{`${a.label}: 95 % interval ${pctLabel(a.low)} – ${pctLabel(a.high)}`}</title>
                  </line>
                  <circle class={a.best ? "best" : "point"} cx={x(a.rate)} cy={y} r="4">
                    <title>{`${a.label}: ${pctLabel(a.rate)}`}</title>
                  </circle>
                </>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption class="legend small">
        <span class="muted">dot: the rate over matured contacts; line: its 95 % interval</span>
      </figcaption>
    </figure>
  );
}
