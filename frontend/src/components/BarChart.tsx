// Small accessible HTML/CSS charts (no chart library: keeps the bundle small). Labels are text in
// the layout, so they wrap instead of clipping; every chart has a table alternative; bars that
// stand for a filter link to Browse with it.
import { useEffect, useRef, useState } from "react";
import { Link } from "./Link";

export interface Bar {
  label: string;
  value: number;
  href?: string;
}

function DataTable({ title, bars, labelHeader, unit }: { title: string; bars: Bar[]; labelHeader: string; unit: string }) {
  return (
    <details className="chart-table">
      <summary>Show as a table</summary>
      <table>
        <caption className="visually-hidden">{title}</caption>
        <thead>
          <tr>
            <th scope="col">{labelHeader}</th>
            <th scope="col" className="num">{unit}</th>
          </tr>
        </thead>
        <tbody>
          {bars.filter((bar) => bar.value > 0).map((bar) => (
            <tr key={bar.label}>
              <th scope="row">{bar.href ? <Link href={bar.href}>{bar.label}</Link> : bar.label}</th>
              <td className="num">{bar.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

export function BarChart({ title, note, bars, unit, labelHeader, testId }: {
  title: string;
  note?: string;
  bars: Bar[];
  unit: string;
  labelHeader: string;
  testId?: string;
}) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>
        <span className="chart-title">{title}</span>
        {note && <span className="muted chart-note">{note}</span>}
      </figcaption>
      <ul className="bars" aria-label={title}>
        {bars.map((bar) => {
          const body = (
            <>
              <span className="bar-label">{bar.label}</span>
              <span className="bar-track" aria-hidden="true">
                <span className="bar" style={{ width: `${Math.max(1, (100 * bar.value) / max)}%` }} />
              </span>
              <span className="bar-value">
                {bar.value}
                <span className="visually-hidden"> {unit}</span>
              </span>
            </>
          );
          return (
            <li key={bar.label}>
              {bar.href ? <Link className="bar-row" href={bar.href}>{body}</Link> : <span className="bar-row">{body}</span>}
            </li>
          );
        })}
      </ul>
      <DataTable title={title} bars={bars} labelHeader={labelHeader} unit={unit} />
    </figure>
  );
}

// The width a column label needs at the chart's 0.75rem font (digits and dashes are about 0.6em), with a gap.
const labelWidth = (label: string) => label.length * 7.5 + 8;

// The chart's width, followed as the window (or zoom) changes.
function useWidth<T extends HTMLElement>(fallback: number) {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const element = ref.current;
    if (!element || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => setWidth(element.clientWidth || fallback));
    observer.observe(element);
    return () => observer.disconnect();
  }, [fallback]);
  return [ref, width] as const;
}

// Vertical columns for a distribution (years, ratings). Labels thin out by the room they need in
// pixels; counts above the columns show when every count fits.
export function Histogram({ title, note, bars, unit, labelHeader, testId }: {
  title: string;
  note?: string;
  bars: Bar[];
  unit: string;
  labelHeader: string;
  testId?: string;
}) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const [ref, width] = useWidth<HTMLOListElement>(300);
  const widest = Math.max(0, ...bars.map((b) => labelWidth(b.label)));
  const every = Math.max(1, Math.ceil((bars.length * widest) / Math.max(1, width)));
  // Counts are short ("12"): they show whenever the widest count fits a column, even when labels thin out.
  const counts = bars.length * Math.max(0, ...bars.map((b) => labelWidth(String(b.value)))) <= width;
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>
        <span className="chart-title">{title}</span>
        {note && <span className="muted chart-note">{note}</span>}
      </figcaption>
      <ol className="columns" aria-label={title} ref={ref}>
        {bars.map((bar, i) => {
          const column = (
            <>
              <span className="column-value" aria-hidden="true">{bar.value > 0 && counts ? bar.value : ""}</span>
              <span className="column" style={{ height: `${(100 * bar.value) / max}%` }} aria-hidden="true" />
              <span className={`column-label${i % every === 0 ? "" : " column-label-hidden"}`} aria-hidden="true">{bar.label}</span>
              <span className="visually-hidden">
                {bar.label}: {bar.value} {unit}
              </span>
            </>
          );
          return (
            <li key={bar.label} title={`${bar.label}: ${bar.value} ${unit}`}>
              {bar.href && bar.value > 0 ? <Link className="column-cell" href={bar.href}>{column}</Link> : <span className="column-cell">{column}</span>}
            </li>
          );
        })}
      </ol>
      <DataTable title={title} bars={bars} labelHeader={labelHeader} unit={unit} />
    </figure>
  );
}
