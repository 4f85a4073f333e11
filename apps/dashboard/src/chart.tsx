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
