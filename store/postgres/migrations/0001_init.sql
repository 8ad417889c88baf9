-- 0001: models, versions, aliases, tokens, audit log.
CREATE TABLE models (
	namespace    TEXT    NOT NULL,
	name         TEXT    NOT NULL,
	next_version BIGINT  NOT NULL DEFAULT 1,
	PRIMARY KEY (namespace, name)
);
CREATE TABLE versions (
	namespace      TEXT    NOT NULL,
	model          TEXT    NOT NULL,
	number         BIGINT  NOT NULL,
	digest         TEXT    NOT NULL,
	spec           BYTEA   NOT NULL,
	weights_sha256 TEXT    NOT NULL,
	weights_bytes  BIGINT  NOT NULL,
	report         BYTEA   NOT NULL,
	uploaded_by    TEXT    NOT NULL,
	created_at     BIGINT  NOT NULL,
	PRIMARY KEY (namespace, model, number),
	UNIQUE (namespace, model, digest),
	FOREIGN KEY (namespace, model) REFERENCES models (namespace, name)
);
CREATE INDEX versions_weights ON versions (weights_sha256);
CREATE TABLE aliases (
	namespace  TEXT    NOT NULL,
	model      TEXT    NOT NULL,
	name       TEXT    NOT NULL,
	version    BIGINT  NOT NULL,
	updated_by TEXT    NOT NULL,
	updated_at BIGINT  NOT NULL,
	PRIMARY KEY (namespace, model, name),
	FOREIGN KEY (namespace, model, version) REFERENCES versions (namespace, model, number)
);
CREATE TABLE tokens (
	id         TEXT    PRIMARY KEY,
	name       TEXT    NOT NULL,
	namespace  TEXT    NOT NULL,
	scopes     TEXT    NOT NULL,
	hash       BYTEA   NOT NULL UNIQUE,
	created_at BIGINT  NOT NULL,
	created_by TEXT    NOT NULL,
	revoked_at BIGINT 
);
CREATE TABLE audit (
	id        BIGSERIAL PRIMARY KEY,
	time      BIGINT  NOT NULL,
	actor     TEXT    NOT NULL,
	namespace TEXT    NOT NULL,
	action    TEXT    NOT NULL,
	model     TEXT    NOT NULL,
	version   BIGINT  NOT NULL,
	detail    TEXT    NOT NULL
);
CREATE INDEX audit_namespace ON audit (namespace, id);
