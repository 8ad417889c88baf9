-- 0002: blobs stored in the database (--blobs postgres), in 1 MiB chunks.
-- A blob row commits together with all of its chunks, so a visible blob is
-- always complete.
CREATE TABLE blobs (
	digest     TEXT   PRIMARY KEY,
	size       BIGINT NOT NULL,
	chunks     BIGINT NOT NULL,
	touched_at BIGINT NOT NULL
);
CREATE TABLE blob_chunks (
	digest TEXT   NOT NULL REFERENCES blobs (digest) ON DELETE CASCADE,
	seq    BIGINT NOT NULL,
	data   BYTEA  NOT NULL,
	PRIMARY KEY (digest, seq)
);
