-- 0001: models, versions, aliases, tokens, audit log.
CREATE TABLE models (
	namespace    TEXT    NOT NULL,
	name         TEXT    NOT NULL,
	next_version INTEGER NOT NULL DEFAULT 1,
	PRIMARY KEY (namespace, name)
);
CREATE TABLE versions (
	namespace      TEXT    NOT NULL,
	model          TEXT    NOT NULL,
	number         INTEGER NOT NULL,
	digest         TEXT    NOT NULL,
	spec           BLOB    NOT NULL,
	weights_sha256 TEXT    NOT NULL,
	weights_bytes  INTEGER NOT NULL,
	report         BLOB    NOT NULL,
	uploaded_by    TEXT    NOT NULL,
	created_at     INTEGER NOT NULL,
	PRIMARY KEY (namespace, model, number),
	UNIQUE (namespace, model, digest),
	FOREIGN KEY (namespace, model) REFERENCES models (namespace, name)
);
CREATE INDEX versions_weights ON versions (weights_sha256);
CREATE TABLE aliases (
	namespace  TEXT    NOT NULL,
	model      TEXT    NOT NULL,
	name       TEXT    NOT NULL,
	version    INTEGER NOT NULL,
	updated_by TEXT    NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (namespace, model, name),
	FOREIGN KEY (namespace, model, version) REFERENCES versions (namespace, model, number)
);
CREATE TABLE tokens (
	id         TEXT    PRIMARY KEY,
	name       TEXT    NOT NULL,
	namespace  TEXT    NOT NULL,
	scopes     TEXT    NOT NULL,
	hash       BLOB    NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	created_by TEXT    NOT NULL,
	revoked_at INTEGER
);
CREATE TABLE audit (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	time      INTEGER NOT NULL,
	actor     TEXT    NOT NULL,
	namespace TEXT    NOT NULL,
	action    TEXT    NOT NULL,
	model     TEXT    NOT NULL,
	version   INTEGER NOT NULL,
	detail    TEXT    NOT NULL
);
CREATE INDEX audit_namespace ON audit (namespace, id);
