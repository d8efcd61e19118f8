-- Events: the sqlite-es layout; rowid gives the commit order used to rebuild views.
CREATE TABLE events
(
    aggregate_type text                          NOT NULL,
    aggregate_id   text                          NOT NULL,
    sequence       integer CHECK (sequence >= 0) NOT NULL,
    event_type     text                          NOT NULL,
    event_version  text                          NOT NULL,
    payload        text                          NOT NULL,
    metadata       text                          NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id, sequence)
) STRICT;

-- Snapshots: the sqlite-es layout (kept for compatibility; grantledger replays events).
CREATE TABLE snapshots
(
    aggregate_type   text                                  NOT NULL,
    aggregate_id     text                                  NOT NULL,
    last_sequence    integer CHECK (last_sequence >= 0)    NOT NULL,
    current_snapshot integer CHECK (current_snapshot >= 0) NOT NULL,
    payload          text                                  NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id, last_sequence)
) STRICT;

-- Every read model, one row per (view, id), written in the transaction of the events it folds.
CREATE TABLE views
(
    view_name text    NOT NULL,
    view_id   text    NOT NULL,
    version   integer NOT NULL CHECK (version >= 0),
    status    text,
    owner     text,
    parent    text,
    sort_key  text    NOT NULL,
    payload   text    NOT NULL,
    PRIMARY KEY (view_name, view_id)
) STRICT;
CREATE INDEX views_by_status ON views (view_name, status, sort_key, view_id);
CREATE INDEX views_by_owner ON views (view_name, owner, sort_key, view_id);
CREATE INDEX views_by_parent ON views (view_name, parent, sort_key, view_id);

-- Who read what through the audit API. Append-only: updates and deletes are refused.
CREATE TABLE audit_access_log
(
    id          integer PRIMARY KEY AUTOINCREMENT,
    accessed_at text NOT NULL,
    actor_sub   text NOT NULL,
    actor_roles text NOT NULL,
    request_id  text NOT NULL,
    action      text NOT NULL,
    target      text NOT NULL
) STRICT;

CREATE TRIGGER audit_access_log_no_update
    BEFORE UPDATE ON audit_access_log
BEGIN
    SELECT RAISE(ABORT, 'audit_access_log is append-only');
END;

CREATE TRIGGER audit_access_log_no_delete
    BEFORE DELETE ON audit_access_log
BEGIN
    SELECT RAISE(ABORT, 'audit_access_log is append-only');
END;
