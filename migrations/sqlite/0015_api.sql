-- The API's tokens, the answers to idempotent requests, and webhooks with
-- a log of their deliveries (issue 15).

-- Only a hash of each token is kept; the token is shown once.
CREATE TABLE api_tokens (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	name         TEXT NOT NULL,
	token_hash   TEXT NOT NULL UNIQUE,
	scopes       TEXT NOT NULL, -- space-separated
	created_by   INTEGER REFERENCES people (id) ON DELETE SET NULL,
	created_at   TEXT NOT NULL,
	expires_at   TEXT NOT NULL,
	last_used_at TEXT,
	revoked_at   TEXT
);

-- A POST's Idempotency-Key, per token, with the answer it got. event_id is
-- written in the transaction that creates the event, so a retry after a
-- crash finds it even when the body was never saved.
CREATE TABLE api_idempotency (
	token_id    INTEGER NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
	key         TEXT NOT NULL,
	fingerprint TEXT NOT NULL,
	status      INTEGER NOT NULL,
	body        BLOB,
	event_id    INTEGER REFERENCES events (id) ON DELETE SET NULL,
	created_at  TEXT NOT NULL,
	PRIMARY KEY (token_id, key)
);

CREATE INDEX api_idempotency_created ON api_idempotency (created_at);

CREATE TABLE webhooks (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	url        TEXT NOT NULL,
	events     TEXT NOT NULL, -- space-separated
	secret     TEXT NOT NULL,
	created_by INTEGER REFERENCES people (id) ON DELETE SET NULL,
	created_at TEXT NOT NULL
);

CREATE TABLE webhook_deliveries (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	webhook_id      INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
	event           TEXT NOT NULL,
	data            TEXT NOT NULL, -- JSON
	status          TEXT NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	response_code   INTEGER NOT NULL DEFAULT 0,
	error           TEXT NOT NULL DEFAULT '',
	created_at      TEXT NOT NULL,
	last_attempt_at TEXT
);

CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_created ON webhook_deliveries (created_at);

-- The one host name webhooks may reach on the library's own network.
ALTER TABLE library ADD COLUMN webhook_intranet_host TEXT NOT NULL DEFAULT '';
