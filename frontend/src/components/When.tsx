// One way to show a moment everywhere (B16): relative while recent ("5 min ago"), else a medium
// date and time; the exact moment is in the tooltip and in <time datetime>.
const EXACT = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const RELATIVE = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

export function formatWhen(iso: string, now = Date.now()): string {
  const date = new Date(iso);
  const seconds = Math.round((date.getTime() - now) / 1000);
  if (Math.abs(seconds) < 45) return "just now";
  if (Math.abs(seconds) < 3600) return RELATIVE.format(Math.round(seconds / 60), "minute");
  if (Math.abs(seconds) < 86_400) return RELATIVE.format(Math.round(seconds / 3600), "hour");
  return EXACT.format(date);
}

export function When({ iso }: { iso?: string | null }) {
  if (!iso) return null;
  return (
    <time dateTime={iso} title={EXACT.format(new Date(iso))}>
      {formatWhen(iso)}
    </time>
  );
}
