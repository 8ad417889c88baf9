package modelgate

import (
	"context"
	"io"
	"time"
)

// Scopes a token can carry. A token holding [ScopeAdmin] may do everything
// inside its namespace and manage tokens.
const (
	ScopeRead    = "read"    // list and inspect models, versions, aliases
	ScopePredict = "predict" // run predictions
	ScopeWrite   = "write"   // upload, alias and delete versions
	ScopeAdmin   = "admin"   // everything, plus token management
)

// AllScopes lists every scope in a stable order.
func AllScopes() []string { return []string{ScopeRead, ScopePredict, ScopeWrite, ScopeAdmin} }

// Audit actions recorded by stores.
const (
	AuditUpload       = "upload"        // a new version was stored
	AuditAlias        = "alias"         // an alias was created or moved
	AuditDeleteAlias  = "delete-alias"  // an alias was removed
	AuditDelete       = "delete"        // a version was deleted
	AuditTokenCreate  = "token-create"  // a token was created
	AuditTokenRevoke  = "token-revoke"  // a token was revoked
	AuditUploadRefuse = "upload-refuse" // an upload was refused (recorded by the server)
)

// Version is one immutable, stored model version. Its identity is Digest,
// the SHA-256 of the canonical spec (which itself binds the weights by
// digest); Number is a per-model sequence number that is never reused.
type Version struct {
	Namespace     string    // tenant that owns the model
	Model         string    // model name, unique within Namespace
	Number        int64     // 1, 2, ...; assigned by the store
	Digest        string    // "sha256:" + 64 hex digits of the canonical spec
	Spec          []byte    // canonical spec JSON
	WeightsSHA256 string    // 64 hex digits; the blob key
	WeightsBytes  int64     // size of the weights blob
	Report        []byte    // validation/scan report JSON
	UploadedBy    string    // ID of the token that uploaded it
	CreatedAt     time.Time // when the row committed (UTC)
}

// Model summarises one model of a namespace.
type Model struct {
	Namespace string
	Name      string
	Versions  int64     // number of live versions
	Latest    int64     // highest live version number (0 when none)
	UpdatedAt time.Time // newest version's creation time
}

// Alias is a movable name for one version of a model.
type Alias struct {
	Namespace string
	Model     string
	Name      string
	Version   int64
	UpdatedBy string
	UpdatedAt time.Time
}

// Token is a stored API token. The secret is never stored: only its SHA-256.
type Token struct {
	ID        string     // public identifier, "tok_" + 16 hex digits
	Name      string     // free-form label
	Namespace string     // tenant the token acts in
	Scopes    []string   // subset of AllScopes
	Hash      []byte     // SHA-256 of the secret token string
	CreatedAt time.Time  // creation time (UTC)
	CreatedBy string     // token ID or "cli"
	RevokedAt *time.Time // nil while valid
}

// HasScope reports whether t carries scope s; admin implies every scope.
func (t *Token) HasScope(s string) bool {
	for _, have := range t.Scopes {
		if have == s || have == ScopeAdmin {
			return true
		}
	}
	return false
}

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	ID        int64
	Time      time.Time
	Actor     string // token ID, or "cli"
	Namespace string
	Action    string // one of the Audit* constants
	Model     string
	Version   int64
	Detail    string // free text (alias name, digest, rule)
}

// Actor identifies who performs a store operation (recorded in the audit log).
type Actor struct {
	TokenID   string
	Namespace string
}

// ModelStore holds model versions and aliases. Every method is scoped by
// namespace: no method can reach another tenant's rows. Lookups of missing
// rows fail with an *Error of code ENOTFOUND.
type ModelStore interface {
	// CreateVersion stores v (Namespace, Model, Digest, Spec, Weights*,
	// Report, UploadedBy) and assigns Number and CreatedAt. If a live
	// version with the same digest exists, it is returned with created
	// false and nothing is written. The audit entry commits with the row.
	CreateVersion(ctx context.Context, v *Version) (stored *Version, created bool, err error)
	// Models lists the namespace's models with at least one live version.
	Models(ctx context.Context, namespace string) ([]Model, error)
	// Versions lists a model's live versions, newest first.
	Versions(ctx context.Context, namespace, model string) ([]Version, error)
	// ResolveVersion finds a version by number ("3"), digest
	// ("sha256:..."), alias name or "latest".
	ResolveVersion(ctx context.Context, namespace, model, ref string) (*Version, error)
	// DeleteVersion removes a version; it fails with ECONFLICT while an
	// alias points to it.
	DeleteVersion(ctx context.Context, a Actor, model string, number int64) error
	// SetAlias points alias at version number, creating or moving it
	// atomically.
	SetAlias(ctx context.Context, a Actor, model, alias string, number int64) (*Alias, error)
	// DeleteAlias removes an alias.
	DeleteAlias(ctx context.Context, a Actor, model, alias string) error
	// Aliases lists a model's aliases sorted by name.
	Aliases(ctx context.Context, namespace, model string) ([]Alias, error)
	// WeightsReferenced reports whether any live version in any namespace
	// uses the weights blob with this SHA-256.
	WeightsReferenced(ctx context.Context, sha256hex string) (bool, error)
	// ReferencedWeights returns the SHA-256 of every weights blob in use.
	ReferencedWeights(ctx context.Context) (map[string]bool, error)
}

// TokenStore holds API tokens.
type TokenStore interface {
	// CreateToken stores t (ID, Name, Namespace, Scopes, Hash, CreatedBy)
	// and sets CreatedAt.
	CreateToken(ctx context.Context, t *Token) error
	// TokenByHash returns the token whose Hash equals hash, revoked or not.
	TokenByHash(ctx context.Context, hash []byte) (*Token, error)
	// Tokens lists every token, oldest first.
	Tokens(ctx context.Context) ([]Token, error)
	// RevokeToken marks a token revoked; revoking twice is not an error.
	RevokeToken(ctx context.Context, actor, id string) error
	// CountTokens returns how many tokens (revoked included) exist.
	CountTokens(ctx context.Context) (int, error)
}

// AuditStore holds the audit log.
type AuditStore interface {
	// AppendAudit records e (ID and Time are assigned).
	AppendAudit(ctx context.Context, e AuditEntry) error
	// Audit returns the newest entries of a namespace ("" = all), newest
	// first, at most limit.
	Audit(ctx context.Context, namespace string, limit int) ([]AuditEntry, error)
}

// Store is a metadata store: models, tokens and the audit log.
type Store interface {
	ModelStore
	TokenStore
	AuditStore
	// Ping checks that the store is reachable (readiness).
	Ping(ctx context.Context) error
	// Close releases the store's resources.
	Close() error
}

// Blob is an open, immutable stored blob.
type Blob interface {
	io.ReaderAt
	io.Closer
	// Size returns the blob's length in bytes.
	Size() int64
}

// BlobStore is a content-addressed store of weights files, keyed by the
// lowercase hex SHA-256 of their bytes. A blob is visible only once it is
// complete and durable.
type BlobStore interface {
	// Put stores size bytes read from r under sha256hex. It verifies the
	// digest and size while writing and fails with EINVALID (rule
	// "blob-digest") on a mismatch, leaving nothing behind. Putting an
	// existing blob is a cheap no-op that refreshes its timestamp.
	Put(ctx context.Context, sha256hex string, size int64, r io.Reader) error
	// Open returns the blob, or an ENOTFOUND error.
	Open(ctx context.Context, sha256hex string) (Blob, error)
	// Delete removes a blob; deleting a missing blob is not an error.
	Delete(ctx context.Context, sha256hex string) error
	// List returns every stored blob's digest with its last Put time.
	List(ctx context.Context) (map[string]time.Time, error)
	// Ping checks that the store is usable (readiness).
	Ping(ctx context.Context) error
}
