package server_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/server"
)

// convEnv starts a server whose fake converter reports the options of
// each conversion on the returned channel.
func convEnv(t *testing.T) (*env, *testModel, chan server.ConvertOptions) {
	t.Helper()
	m := newTestModel(t, 5)
	seen := make(chan server.ConvertOptions, 16)
	st, bl := openSQLite(t)
	cfg := server.Default()
	cfg.Addr, cfg.TempDir = "127.0.0.1:0", t.TempDir()
	cfg.UploadsPerMinute = 0 // the hostile table uploads many times
	srv, err := server.New(cfg, server.Deps{Store: st, Blobs: bl, Converter: fakeConverter{m: m, seen: seen}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	e := &env{t: t, url: "http://" + srv.Addr(), srv: srv, store: st, blobs: bl, client: newClient()}
	e.admin = e.token("default", "admin")
	return e, m, seen
}

// TestLegacyUploadOptions checks that input_shape, key and
// allow_known_lambdas reach the converter, with the server's limits.
func TestLegacyUploadOptions(t *testing.T) {
	t.Parallel()
	e, _, seen := convEnv(t)
	r := e.upload(e.admin, part{"name", []byte("mnist")}, part{"file", []byte("good bson")},
		part{"input_shape", []byte("1,28,28")}, part{"key", []byte("model")}, part{"allow_known_lambdas", []byte("true")},
		part{"swap_hw", []byte("true")})
	if r.status != 201 {
		t.Fatalf("upload with options: %d %s", r.status, r.body)
	}
	got := <-seen
	if !slices.Equal(got.InputShape, []int{1, 28, 28}) || got.Key != "model" || !got.AllowKnownLambdas || !got.SwapHW {
		t.Fatalf("converter got %+v", got)
	}
	if got.Limits != server.Default().Limits {
		t.Fatalf("converter limits %+v, want the server's", got.Limits)
	}
	r = e.upload(e.admin, part{"name", []byte("plain")}, part{"file", []byte("good bson")}, part{"allow_known_lambdas", []byte("false")},
		part{"swap_hw", []byte("false")})
	if r.status != 201 {
		t.Fatalf("upload without options: %d %s", r.status, r.body)
	}
	if got := <-seen; got.InputShape != nil || got.Key != "" || got.AllowKnownLambdas || got.SwapHW {
		t.Fatalf("converter got %+v, want no options", got)
	}
}

// TestLegacyUploadOptionsHostile refuses malformed options with 400 and a
// typed problem, before any conversion.
func TestLegacyUploadOptionsHostile(t *testing.T) {
	t.Parallel()
	e, m, seen := convEnv(t)
	file := part{"file", []byte("good bson")}
	tests := []struct {
		name  string
		parts []part
		rule  string
	}{
		{"empty shape", []part{file, {"input_shape", nil}}, "bad-input-shape"},
		{"json shape", []part{file, {"input_shape", []byte("[1,28,28]")}}, "bad-input-shape"},
		{"spaces", []part{file, {"input_shape", []byte("1, 28, 28")}}, "bad-input-shape"},
		{"zero dim", []part{file, {"input_shape", []byte("1,0,28")}}, "bad-input-shape"},
		{"negative", []part{file, {"input_shape", []byte("1,-28,28")}}, "bad-input-shape"},
		{"plus sign", []part{file, {"input_shape", []byte("+1")}}, "bad-input-shape"},
		{"leading zero", []part{file, {"input_shape", []byte("01,28")}}, "bad-input-shape"},
		{"empty dim", []part{file, {"input_shape", []byte("1,,28")}}, "bad-input-shape"},
		{"trailing comma", []part{file, {"input_shape", []byte("1,28,")}}, "bad-input-shape"},
		{"too many dims", []part{file, {"input_shape", []byte("1,1,1,1,1,1,1,1,1")}}, "bad-input-shape"},
		{"dim over max", []part{file, {"input_shape", []byte("2147483649")}}, "bad-input-shape"},
		{"int overflow", []part{file, {"input_shape", []byte("99999999999999999999")}}, "bad-input-shape"},
		{"hex", []part{file, {"input_shape", []byte("0x10")}}, "bad-input-shape"},
		{"unicode digits", []part{file, {"input_shape", []byte("١,٢")}}, "bad-input-shape"},
		{"newline", []part{file, {"input_shape", []byte("1,28,28\n")}}, "bad-input-shape"},
		{"empty key", []part{file, {"key", nil}}, "bad-key"},
		{"long key", []part{file, {"key", []byte(strings.Repeat("k", 257))}}, "bad-key"},
		{"invalid utf8 key", []part{file, {"key", []byte("mo\xffdel")}}, "bad-key"},
		{"control key", []part{file, {"key", []byte("mo\x00del")}}, "bad-key"},
		{"lambdas yes", []part{file, {"allow_known_lambdas", []byte("yes")}}, "bad-allow-known-lambdas"},
		{"lambdas on", []part{file, {"allow_known_lambdas", []byte("on")}}, "bad-allow-known-lambdas"},
		{"lambdas TRUE", []part{file, {"allow_known_lambdas", []byte("TRUE")}}, "bad-allow-known-lambdas"},
		{"lambdas 1", []part{file, {"allow_known_lambdas", []byte("1")}}, "bad-allow-known-lambdas"},
		{"lambdas padded", []part{file, {"allow_known_lambdas", []byte(" true")}}, "bad-allow-known-lambdas"},
		{"swap empty", []part{file, {"swap_hw", nil}}, "bad-swap-hw"},
		{"swap on", []part{file, {"swap_hw", []byte("on")}}, "bad-swap-hw"},
		{"swap without file", []part{{"spec", m.spec}, {"weights", m.weights}, {"swap_hw", []byte("true")}}, "option-without-file"},
		{"duplicate shape", []part{file, {"input_shape", []byte("1")}, {"input_shape", []byte("2")}}, "duplicate-part"},
		{"shape without file", []part{{"spec", m.spec}, {"weights", m.weights}, {"input_shape", []byte("1,28,28")}}, "option-without-file"},
		{"key without file", []part{{"spec", m.spec}, {"weights", m.weights}, {"key", []byte("model")}}, "option-without-file"},
		{"lambdas without file", []part{{"spec", m.spec}, {"weights", m.weights}, {"allow_known_lambdas", []byte("false")}}, "option-without-file"},
		{"options alone", []part{{"input_shape", []byte("4")}}, "option-without-file"},
	}
	for _, tc := range tests {
		r := e.upload(e.admin, tc.parts...)
		if r.status != 400 || r.rule() != tc.rule {
			t.Errorf("%s: %d %s, want 400 %s", tc.name, r.status, r.body, tc.rule)
		}
		if e, _ := r.json(t)["error"].(map[string]any); e["code"] != modelgate.EINVALID {
			t.Errorf("%s: error %v, want code %s", tc.name, e, modelgate.EINVALID)
		}
	}
	select {
	case got := <-seen:
		t.Fatalf("a hostile upload reached the converter: %+v", got)
	default:
	}
}

func TestParseInputShape(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][]int{"1,28,28": {1, 28, 28}, "784": {784}, "2147483648": {2147483648}, "1,2,3,4,5,6,7,8": {1, 2, 3, 4, 5, 6, 7, 8}} {
		got, err := server.ParseInputShape(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("ParseInputShape(%q) = %v, %v", in, got, err)
		}
	}
	if err := (server.ConvertOptions{InputShape: []int{}}).Check(); err == nil {
		t.Error("Check accepts an empty input shape")
	}
	if err := (server.ConvertOptions{InputShape: []int{1, 1 << 40}}).Check(); err == nil {
		t.Error("Check accepts a dimension over MaxDim")
	}
}

// FuzzParseInputShape checks that every accepted shape passes Check and
// prints back to the same text.
func FuzzParseInputShape(f *testing.F) {
	seeds := []string{"1,28,28", "784", "2147483648", "1,2,3,4,5,6,7,8", "", "[1,28,28]", "1, 28", "1,0", "-1", "+1", "01",
		"1,,2", "1,", "1,1,1,1,1,1,1,1,1", "2147483649", "99999999999999999999", "0x10", "١", "1\n"}
	for _, s := range seeds {
		f.Add(s)
	}
	if len(seeds) == 0 {
		f.Fatal("no seeds")
	}
	f.Fuzz(func(t *testing.T, s string) {
		shape, err := server.ParseInputShape(s)
		if err != nil {
			return
		}
		if err := (server.ConvertOptions{InputShape: shape}).Check(); err != nil {
			t.Fatalf("%q parsed to %v, which Check refuses: %v", s, shape, err)
		}
		parts := make([]string, len(shape))
		for i, d := range shape {
			parts[i] = strconv.Itoa(d)
		}
		if back := strings.Join(parts, ","); back != s {
			t.Fatalf("%q parsed to %v (%q)", s, shape, back)
		}
	})
}
