import { useCallback, useEffect, useRef, useState } from "react";
import { ErrorMessage, Loading } from "../components/Status";
import { When } from "../components/When";
import { api, type EtlFinishedMessage, type EtlProgressMessage, type EtlRun, type EtlRunFile, type GetEtlRunResponse, type ListEtlRunsResponse, query } from "../lib/api";
import { ensureSession } from "../lib/auth";
import { absoluteWsUrl, config } from "../lib/config";
import { LiveSocket, type SocketState } from "../lib/live";
import { usePageTitle } from "../lib/router";

// An etlProgress or etlFinished message (generated from src/api/openapi.json).
type Live = EtlProgressMessage | EtlFinishedMessage;

const MODE: Record<EtlRun["mode"], string> = { full: "Full load", walk: "Full listing", changes: "Changes only" };
const STATE: Record<EtlRun["state"], string> = {
  running: "Running",
  succeeded: "Succeeded",
  failed: "Failed",
  interrupted: "Interrupted",
  held: "Held",
};

/** Removals as one cell: "3 (1 replaced)", or what a held run kept. */
function removals(c: EtlRun["counts"]): string {
  if (c.held) return `${c.held} held`;
  const n = c.removed + c.replaced;
  return c.replaced ? `${n} (${c.replaced} replaced)` : String(n);
}

/** A librarian's details of a run: its source, the error it recorded and the files it could not load.
 * The API sends them only to librarians (run.details, files), so others never see this. */
function Report({ run }: { run: EtlRun }) {
  const [files, setFiles] = useState<EtlRunFile[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<GetEtlRunResponse>(`/etl/runs/${encodeURIComponent(run.id)}${query({ limit: 100 })}`).then(
      (r) => setFiles(r.files ?? []),
      (e: Error) => setError(e.message),
    );
  }, [run.id]);
  const details = run.details && (
    <p className="muted" data-testid="etl-details">
      Source <code>{run.details.source}</code>
      {run.details.error ? <> · recorded error: {run.details.error}</> : null}
    </p>
  );
  if (error) return <ErrorMessage error={error} />;
  if (!files) return <Loading rows={2} />;
  if (!files.length) return <>{details}<p className="muted">Every file of this run loaded.</p></>;
  return (
    <>
      {details}
      <table>
        <caption className="visually-hidden">Files run {run.id} could not load</caption>
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col">Outcome</th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {files.map((f) => (
            <tr key={`${f.fileId}-${f.outcome}`}>
              <td className="path">{f.path}</td>
              <td>{f.outcome === "quarantined" ? "Quarantined" : "Download failed"}</td>
              <td>{f.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Progress({ live }: { live: Live }) {
  const done = live.counts.filesDownloaded + live.counts.failed;
  const total = live.filesQueued ?? 0;
  const known = live.etaSeconds !== null && live.etaSeconds !== undefined && total > 0;
  return (
    <div className="card" data-testid="etl-current">
      <h2>Run {live.runId} {live.type === "etlFinished" ? `— ${STATE[live.state ?? "succeeded"].toLowerCase()}` : "in progress"}</h2>
      <label htmlFor="etl-progress">{live.phase ? `${live.phase[0].toUpperCase()}${live.phase.slice(1)}` : "Working"}</label>
      <progress id="etl-progress" max={Math.max(total, done, 1)} value={live.type === "etlFinished" ? Math.max(total, done, 1) : known ? done : undefined} />
      <p className="muted" data-testid="etl-progress-text">
        {done} of {total || "?"} files downloaded · {live.counts.moviesNew} new movies · {live.counts.quarantined} quarantined
        {live.counts.removed + live.counts.replaced ? ` · ${live.counts.removed + live.counts.replaced} removed (${live.counts.replaced} replaced)` : ""}
        {live.counts.held ? ` · ${live.counts.held} removals held` : ""}
        {live.filesPerSecond ? ` · ${live.filesPerSecond.toFixed(1)} files/s` : ""}
        {known && live.type !== "etlFinished" ? ` · about ${Math.ceil(live.etaSeconds ?? 0)} s left` : ""}
      </p>
    </div>
  );
}

export function Sync() {
  usePageTitle("Library sync");
  const [runs, setRuns] = useState<EtlRun[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState<Live | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [socket, setSocket] = useState<SocketState>("connecting");
  const lastSeq = useRef<Record<string, number>>({});

  const loadRuns = useCallback(() => {
    api<ListEtlRunsResponse>(`/etl/runs${query({ limit: 10 })}`).then((r) => setRuns(r.runs), (e: Error) => setError(e.message));
  }, []);
  useEffect(loadRuns, [loadRuns]);

  useEffect(() => {
    const socketLive = new LiveSocket({
      target: async () => {
        const session = await ensureSession(120_000);
        return session
          ? { url: `${absoluteWsUrl(config().wsUrl)}?token=${encodeURIComponent(session.idToken)}`, expiresAt: session.expiresAt }
          : null;
      },
      onMessage: () => undefined,
      // Delivery is at least once and unordered: only a newer seq of a run moves the bar.
      onOther: (message) => {
        if (message.type !== "etlProgress" && message.type !== "etlFinished") return;
        const m = message as unknown as Live;
        if ((lastSeq.current[m.runId] ?? -1) >= m.seq) return;
        lastSeq.current[m.runId] = m.seq;
        setLive(m);
        if (m.type === "etlFinished") loadRuns();
      },
      onState: setSocket,
      onOpen: loadRuns,
    });
    socketLive.start();
    return () => socketLive.stop();
  }, [loadRuns]);

  const running = runs?.find((r) => r.state === "running");
  return (
    <section aria-labelledby="sync-title">
      <h1 id="sync-title">Library sync</h1>
      <p className="muted">
        Movies are copied into the library from the shared source folder. Each copy (a “sync”) and its progress
        show here as it happens.{" "}
        <span data-testid="sync-socket">{socket === "open" ? "Live updates on." : "Connecting to live updates…"}</span>
      </p>
      <ErrorMessage error={error} />
      {live ? (
        <Progress live={live} />
      ) : running ? (
        <p className="card">Run {running.id} is {running.phase ?? "running"}; progress appears with its next update.</p>
      ) : (
        <p className="card" data-testid="etl-idle">No run in progress.</p>
      )}
      <h2>Recent runs</h2>
      {!runs && !error && <Loading rows={4} />}
      {runs && runs.length === 0 && <p>No run yet.</p>}
      {runs && runs.length > 0 && (
        <div className="table-wrap">
          <table data-testid="etl-runs" className="runs">
            <caption className="visually-hidden">Recent ETL runs, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col" className="col-optional">Kind</th>
                <th scope="col">Result</th>
                <th scope="col" className="num">New movies</th>
                <th scope="col" className="num">Removed</th>
                <th scope="col" className="num col-optional">Not loaded</th>
                <th scope="col"><span className="visually-hidden">Report</span></th>
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => {
                const problems = run.counts.quarantined + run.counts.failed;
                return [
                  <tr key={run.id} data-run={run.id}>
                    <td><When iso={run.startedAt} /></td>
                    <td className="col-optional">{MODE[run.mode]}</td>
                    <td>
                      {STATE[run.state]}
                      {run.seconds !== null && <span className="muted"> in {run.seconds < 1 ? "under 1\u00a0s" : `${run.seconds.toFixed(1)}\u00a0s`}</span>}
                      {run.error && <span className="error"> — {run.error}</span>}
                    </td>
                    <td className="num">{run.counts.moviesNew}</td>
                    <td className="num">{removals(run.counts)}</td>
                    <td className="num col-optional">{problems}</td>
                    <td>
                      {run.details && (
                        <button type="button" className="link" aria-expanded={open === run.id}
                          onClick={() => setOpen(open === run.id ? null : run.id)}>
                          {open === run.id ? "Hide report" : "Report"}
                          <span className="visually-hidden"> of run {run.id}</span>
                        </button>
                      )}
                    </td>
                  </tr>,
                  open === run.id && run.details && (
                    <tr key={`${run.id}-report`}>
                      <td colSpan={7}>
                        <Report run={run} />
                      </td>
                    </tr>
                  ),
                ];
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
