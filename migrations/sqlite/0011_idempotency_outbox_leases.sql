-- Idempotency-Key: one row per (caller, key), inserted in the command's own transaction, so a
-- retried request never stores its events twice. The response is attached once it is known.
CREATE TABLE idempotency_keys
(
    caller          text    NOT NULL,
    idempotency_key text    NOT NULL,
    request_hash    text    NOT NULL,
    created_at      text    NOT NULL,
    response_status integer,
    response_headers text,
    response_body   text,
    PRIMARY KEY (caller, idempotency_key)
) STRICT;
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Outbox: leases, back-off for transient failures, and parking for reactions a domain rule
-- refused (they wait on the officers' attention list).
ALTER TABLE outbox ADD COLUMN leased_until integer NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_attempt_at integer NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN parked integer NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN enqueued_at integer NOT NULL DEFAULT 0;
