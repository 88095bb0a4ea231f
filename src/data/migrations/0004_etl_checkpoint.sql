-- ETL runs and a per-file checkpoint, written in the same transaction as the file's rows, so an
-- interrupted run (SIGTERM or SIGKILL) resumes without downloading what was loaded.
CREATE TABLE etl_runs (
    id          bigserial PRIMARY KEY,
    source      text NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    status      text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'finished', 'interrupted', 'failed')),
    summary     jsonb
);

CREATE TABLE etl_files (
    source      text NOT NULL,
    file_id     text NOT NULL,
    modified    text NOT NULL,
    path        text NOT NULL,
    outcome     text NOT NULL CHECK (outcome IN ('loaded', 'quarantined')),
    reason      text,
    run_id      bigint NOT NULL REFERENCES etl_runs (id),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, file_id, modified)
);
