-- Idempotency-Key: one row per (caller, key), inserted in the command's own transaction, so a
-- retried request never stores its events twice. The response is attached once it is known.
CREATE TABLE idempotency_keys
(
    caller          text    NOT NULL,
    idempotency_key text    NOT NULL,
    request_hash    text    NOT NULL,
    created_at      text    NOT NULL,
    response_status bigint,
    response_headers text,
    response_body   text,
    PRIMARY KEY (caller, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Outbox: leases so several server processes drain safely, back-off for transient failures, and
-- parking for reactions a domain rule refused (they wait on the officers' attention list).
ALTER TABLE outbox ADD COLUMN leased_until bigint NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_attempt_at bigint NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN parked boolean NOT NULL DEFAULT false;
ALTER TABLE outbox ADD COLUMN enqueued_at bigint NOT NULL DEFAULT 0;
