// A small accessible SVG bar chart (no chart library: keeps the bundle small).
export interface Bar {
  label: string;
  value: number;
}

export function BarChart({ title, bars, unit }: { title: string; bars: Bar[]; unit: string }) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const rowHeight = 26;
  const labelWidth = 110;
  const width = 420;
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${width} ${bars.length * rowHeight}`} role="img" aria-label={title}>
        {bars.map((bar, i) => {
          const length = ((width - labelWidth - 40) * bar.value) / max;
          return (
            <g key={bar.label} transform={`translate(0, ${i * rowHeight})`}>
              <title>{`${bar.label}: ${bar.value} ${unit}`}</title>
              <text x={labelWidth - 8} y={17} textAnchor="end" className="chart-label">
                {bar.label}
              </text>
              <rect x={labelWidth} y={5} width={Math.max(2, length)} height={16} rx={3} className="chart-bar" />
              <text x={labelWidth + length + 6} y={17} className="chart-value">
                {bar.value}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
