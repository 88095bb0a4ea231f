-- Incremental ETL sync: run history with mode, state and counts; each source's tree (folder ids and
-- shortcut targets) and changes-feed token; files seen deleted; and a lease row so one run at a time.
ALTER TABLE etl_runs DROP CONSTRAINT IF EXISTS etl_runs_status_check;
UPDATE etl_runs SET status = 'succeeded' WHERE status = 'finished';
ALTER TABLE etl_runs
    ADD CONSTRAINT etl_runs_status_check CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted')),
    ADD COLUMN mode             text NOT NULL DEFAULT 'walk' CHECK (mode IN ('full', 'walk', 'changes')),
    ADD COLUMN phase            text,
    ADD COLUMN error            text,
    ADD COLUMN files_seen       integer NOT NULL DEFAULT 0,
    ADD COLUMN files_downloaded integer NOT NULL DEFAULT 0,
    ADD COLUMN movies_new       integer NOT NULL DEFAULT 0,
    ADD COLUMN movies_present   integer NOT NULL DEFAULT 0,
    ADD COLUMN quarantined      integer NOT NULL DEFAULT 0,
    ADD COLUMN failed           integer NOT NULL DEFAULT 0,
    ADD COLUMN deleted_seen     integer NOT NULL DEFAULT 0;

-- The run that last saw the file gone from the source (trashed, deleted, moved out); movies stay.
ALTER TABLE etl_files ADD COLUMN gone_run_id bigint;
CREATE INDEX etl_files_run ON etl_files (run_id, outcome);

CREATE TABLE etl_sync_state (
    source          text PRIMARY KEY,
    changes_token   text,             -- null: the next run walks
    runs_since_walk integer NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE etl_tree (
    source    text NOT NULL,
    item_id   text NOT NULL,
    kind      text NOT NULL CHECK (kind IN ('folder', 'target')),
    parent_id text,
    path      text NOT NULL,
    PRIMARY KEY (source, item_id)
);

-- One row: whoever holds it until expires_at runs; a holder renews it while it works.
CREATE TABLE etl_lease (
    name       text PRIMARY KEY,
    holder     text NOT NULL,
    run_id     bigint,
    source     text NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);

-- Each run's report: files quarantined (with the reason) and files that could not be fetched.
CREATE TABLE etl_run_files (
    run_id  bigint NOT NULL,
    seq     integer NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('quarantined', 'failed')),
    file_id text NOT NULL,
    path    text NOT NULL,
    reason  text NOT NULL,
    PRIMARY KEY (run_id, seq)
);
