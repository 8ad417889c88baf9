package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/server"
	"github.com/modelgate/modelgate/server/app"
)

var tokenHelp = cmdHelp{
	name: "token",
	args: "create|list|revoke [ID]",
	about: `Manage the API tokens of a modelgate server's store (the same --data or
--db as "modelgate serve"; the server need not be stopped).

  create   make a token and print its secret once (only its SHA-256 is stored)
  list     list tokens: id, name, namespace, scopes, created, revoked
  revoke   revoke the token with the given ID

Scopes: read (list and inspect), predict, write (upload, alias, delete) and
admin (everything, metrics, audit log). A token acts only in its namespace.`,
	example: `modelgate token create --namespace team-a --scopes read,predict --name ci
modelgate token list --format json
modelgate token revoke tok_0123456789abcdef`,
}

func cmdToken(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet(tokenHelp, stderr)
	sf := addStoreFlags(fs)
	ns := fs.String("namespace", "default", "create: the namespace (tenant) the token acts in")
	scopes := fs.String("scopes", "read,predict", "create: comma-separated scopes: read, predict, write, admin")
	name := fs.String("name", "", "create: a label for the token")
	format := formatFlag(fs)
	if err := applyEnv(fs); err != nil {
		fmt.Fprintf(stderr, "modelgate token: %v\n", err)
		return exitUsage
	}
	pos, code, ok := parseArgs(fs, tokenHelp, args, stdout)
	if !ok {
		return code
	}
	if len(pos) == 0 || !checkFormat(fs, *format, stderr) {
		fs.Usage()
		return exitUsage
	}
	st, _, err := app.OpenStore(ctx, sf.data, sf.db)
	if err != nil {
		fmt.Fprintf(stderr, "modelgate token: %v\n", err)
		return exitUsage
	}
	defer st.Close()
	switch {
	case pos[0] == "create" && len(pos) == 1:
		return tokenCreate(ctx, st, *ns, *scopes, *name, *format, stdout, stderr)
	case pos[0] == "list" && len(pos) == 1:
		return tokenList(ctx, st, *format, stdout, stderr)
	case pos[0] == "revoke" && len(pos) == 2:
		if err := st.RevokeToken(ctx, "cli", pos[1]); err != nil {
			fmt.Fprintf(stderr, "modelgate token revoke: %v\n", err)
			return exitCode(err)
		}
		fmt.Fprintf(stdout, "revoked %s\n", pos[1])
		return exitOK
	}
	fs.Usage()
	return exitUsage
}

func tokenCreate(ctx context.Context, st modelgate.Store, ns, scopes, name, format string, stdout, stderr io.Writer) int {
	list := strings.Split(scopes, ",")
	if !server.ValidScopes(list) {
		fmt.Fprintf(stderr, "modelgate token create: --scopes must be a comma-separated subset of %s\n", strings.Join(modelgate.AllScopes(), ","))
		return exitUsage
	}
	if !validNamespace(ns) {
		fmt.Fprintf(stderr, "modelgate token create: --namespace must be 1..64 characters of [a-z0-9._-], starting with a letter or digit\n")
		return exitUsage
	}
	secret, t, err := server.NewToken()
	if err != nil {
		fmt.Fprintf(stderr, "modelgate token create: %v\n", err)
		return exitUsage
	}
	t.Name, t.Namespace, t.Scopes, t.CreatedBy = name, ns, list, "cli"
	if err := st.CreateToken(ctx, t); err != nil {
		fmt.Fprintf(stderr, "modelgate token create: %v\n", err)
		return exitUsage
	}
	if format == "json" {
		b, _ := json.Marshal(map[string]any{"id": t.ID, "token": secret, "namespace": ns, "scopes": list, "name": name})
		fmt.Fprintf(stdout, "%s\n", b)
		return exitOK
	}
	fmt.Fprintf(stderr, "created %s (namespace %q, scopes %s); the token is shown only once:\n", t.ID, ns, scopes)
	fmt.Fprintln(stdout, secret)
	return exitOK
}

func validNamespace(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || i > 0 && (c == '.' || c == '_' || c == '-')
		if !ok {
			return false
		}
	}
	return true
}

func tokenList(ctx context.Context, st modelgate.Store, format string, stdout, stderr io.Writer) int {
	ts, err := st.Tokens(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "modelgate token list: %v\n", err)
		return exitUsage
	}
	if format == "json" {
		type row struct {
			ID        string   `json:"id"`
			Name      string   `json:"name"`
			Namespace string   `json:"namespace"`
			Scopes    []string `json:"scopes"`
			CreatedAt string   `json:"created_at"`
			RevokedAt string   `json:"revoked_at,omitempty"`
		}
		rows := []row{}
		for _, t := range ts {
			r := row{t.ID, t.Name, t.Namespace, t.Scopes, t.CreatedAt.Format("2006-01-02T15:04:05Z"), ""}
			if t.RevokedAt != nil {
				r.RevokedAt = t.RevokedAt.Format("2006-01-02T15:04:05Z")
			}
			rows = append(rows, r)
		}
		b, _ := json.MarshalIndent(rows, "", "  ")
		fmt.Fprintf(stdout, "%s\n", b)
		return exitOK
	}
	tw := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tNAMESPACE\tSCOPES\tCREATED\tREVOKED")
	for _, t := range ts {
		revoked := "-"
		if t.RevokedAt != nil {
			revoked = t.RevokedAt.Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", printable(t.ID), printable(t.Name), printable(t.Namespace), strings.Join(t.Scopes, ","), t.CreatedAt.Format("2006-01-02 15:04"), revoked)
	}
	tw.Flush()
	return exitOK
}
