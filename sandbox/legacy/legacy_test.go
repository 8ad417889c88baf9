package legacy

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/sandbox"
	"github.com/modelgate/modelgate/server"
)

// fakeConvert stands in for the Flux converter inside the child: a file
// "pkg" + spec + "\x00" + weights converts to that package; "evil..." is
// refused with a scan report; "crash" panics; "open" tries to read a file
// (which the sandbox must prevent); "limits" and "options" echo what
// arrived.
func fakeConvert(_ context.Context, data []byte, opt server.ConvertOptions) (*Result, error) {
	lim := opt.Limits
	switch {
	case bytes.HasPrefix(data, []byte("pkg")):
		spec, weights, ok := bytes.Cut(data[3:], []byte{0})
		if !ok {
			return nil, modelgate.Errorf(modelgate.EINVALID, "byte 3", "fake-format", "no separator")
		}
		return &Result{Spec: spec, Weights: weights, Report: json.RawMessage(`{"findings":[],"layers":1}`)}, nil
	case bytes.HasPrefix(data, []byte("evil")):
		return &Result{Report: json.RawMessage(`{"findings":[{"severity":"critical","rule":"serialized-code"}]}`)},
			modelgate.Problems{modelgate.Errorf(modelgate.EINVALID, "model/code", "serialized-code", "the file carries serialized Julia code"),
				modelgate.Errorf(modelgate.EUNSUPPORTED, "model", "unknown-type", "Main.Evil is not allowed")}
	case string(data) == "crash":
		var m map[string]int
		m["boom"] = 1
	case string(data) == "open":
		_, err := os.ReadFile("/etc/passwd")
		return nil, modelgate.Errorf(modelgate.EINVALID, "", "probe", "read /etc/passwd: %v", err)
	case string(data) == "limits":
		return nil, modelgate.Errorf(modelgate.ELIMIT, "", "probe", "layers=%d", lim.Layers)
	case string(data) == "options":
		return nil, modelgate.Errorf(modelgate.EINVALID, "", "probe", "shape=%v key=%q lambdas=%v swap=%v", opt.InputShape, opt.Key, opt.AllowKnownLambdas, opt.SwapHW)
	}
	return nil, modelgate.Errorf(modelgate.EUNSUPPORTED, "byte 0", "not-bson", "not a BSON file")
}

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == ChildCommand {
		os.Exit(ServeChild(context.Background(), os.Stdin, os.Stdout, os.Stderr, fakeConvert))
	}
	os.Exit(m.Run())
}

func converter(t *testing.T) *Converter {
	t.Helper()
	if sandbox.LandlockABI() < 1 {
		t.Skip("no Landlock on this kernel: the sandbox refuses to run")
	}
	c, err := NewConverter(sandbox.Limits{Timeout: 20 * time.Second, CPUSeconds: 10, AddressSpace: 3 << 30})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConvertInSandbox(t *testing.T) {
	c := converter(t)
	ctx := context.Background()
	lim := modelgate.DefaultLimits()
	opts := func(lim modelgate.Limits) server.ConvertOptions { return server.ConvertOptions{Limits: lim} }

	got, err := c.Convert(ctx, []byte("pkg{\"spec\":1}\x00WEIGHTS"), opts(lim))
	if err != nil || string(got.Spec) != `{"spec":1}` || string(got.Weights) != "WEIGHTS" || !strings.Contains(string(got.Report), "layers") {
		t.Fatalf("good file: %+v, %v", got, err)
	}

	got, err = c.Convert(ctx, []byte("evil"), opts(lim))
	var ps modelgate.Problems
	if !errors.As(err, &ps) || len(ps) != 2 || ps[0].Rule != "serialized-code" || ps[1].Code != modelgate.EUNSUPPORTED {
		t.Fatalf("evil file: %v", err)
	}
	if got == nil || !strings.Contains(string(got.Report), "critical") {
		t.Fatalf("evil file: the scan report is lost: %+v", got)
	}

	_, err = c.Convert(ctx, []byte("open"), opts(lim))
	if !errors.As(err, &ps) || !strings.Contains(ps[0].Message, "permission denied") {
		t.Fatalf("the child could read /etc/passwd: %v", err)
	}

	lim.Layers = 77
	_, err = c.Convert(ctx, []byte("limits"), opts(lim))
	if !errors.As(err, &ps) || !strings.Contains(ps[0].Message, "layers=77") {
		t.Fatalf("limits did not reach the child: %v", err)
	}

	_, err = c.Convert(ctx, []byte("options"), server.ConvertOptions{Limits: lim, InputShape: []int{1, 28, 28}, Key: "mödel", AllowKnownLambdas: true, SwapHW: true})
	if !errors.As(err, &ps) || !strings.Contains(ps[0].Message, `shape=[1 28 28] key="mödel" lambdas=true swap=true`) {
		t.Fatalf("options did not reach the child: %v", err)
	}

	_, err = c.Convert(ctx, []byte("crash"), opts(modelgate.DefaultLimits()))
	var me *modelgate.Error
	if !errors.As(err, &me) || me.Code != modelgate.EINTERNAL || me.Rule != sandbox.RuleFailed || me.Where != "file" {
		t.Fatalf("crash: %v", err)
	}
}

// frame builds a result with arbitrary sections (for hostile answers).
func frame(magic string, secs ...[]byte) []byte {
	b := []byte(magic)
	for _, s := range secs {
		b = appendSection(b, s)
	}
	return b
}

// hostileResults are answers a compromised child could send.
func hostileResults() map[string][]byte {
	huge := []byte(resultMagic)
	huge = binary.LittleEndian.AppendUint64(huge, 1<<62)
	return map[string][]byte{
		"empty":             nil,
		"bad magic":         []byte("MGCVRES2" + strings.Repeat("\x00", 32)),
		"truncated length":  []byte(resultMagic + "\x01\x00"),
		"huge length":       huge,
		"three sections":    frame(resultMagic, []byte("[]"), []byte("s"), nil),
		"trailing":          append(frame(resultMagic, []byte("[]"), []byte("s"), nil, []byte("w")), 'x'),
		"problems not json": frame(resultMagic, []byte("{"), nil, nil, nil),
		"unknown field":     frame(resultMagic, []byte(`[{"code":"invalid","message":"m","x":1}]`), nil, nil, nil),
		"duplicate key":     frame(resultMagic, []byte(`[{"code":"invalid","message":"m","message":"n"}]`), nil, nil, nil),
		"report not json":   frame(resultMagic, []byte("[]"), []byte("s"), []byte("{"), []byte("w")),
		"nothing at all":    frame(resultMagic, []byte("[]"), nil, nil, nil),
		"no weights":        frame(resultMagic, []byte("null"), []byte("s"), nil, nil),
	}
}

func TestDecodeResultHostile(t *testing.T) {
	for name, data := range hostileResults() {
		t.Run(name, func(t *testing.T) {
			_, _, err := decodeResult(data)
			var me *modelgate.Error
			if !errors.As(err, &me) || me.Rule != ruleProtocol {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestDecodeResultRetypesProblems(t *testing.T) {
	long := strings.Repeat("é", maxProblemText)
	data := frame(resultMagic, []byte(`[{"code":"unauthorized","rule":"r","message":"`+long+`"},{"code":"limit","message":"m"}]`), nil, nil, nil)
	_, ps, err := decodeResult(data)
	if err != nil || len(ps) != 2 {
		t.Fatalf("%v %v", ps, err)
	}
	if ps[0].Code != modelgate.EINVALID || len(ps[0].Message) > maxProblemText || ps[1].Code != modelgate.ELIMIT {
		t.Fatalf("problems not re-typed/clipped: %+v", ps)
	}
}

// hostileRequests are requests the child must refuse (a parent never
// sends them; the child checks anyway).
func hostileRequests(req []byte) map[string][]byte {
	lj := []byte(`{"Layers":1}`)
	opts := func(o string) []byte { return frame(requestMagic, lj, []byte(o), []byte("file")) }
	return map[string][]byte{
		"truncated":        req[:len(req)-1],
		"trailing":         append(req[:len(req):len(req)], 0),
		"old magic":        frame("MGCVREQ1", lj, []byte("file")),
		"two sections":     frame(requestMagic, lj, []byte("file")),
		"unknown limit":    frame(requestMagic, []byte(`{"Layers":1,"Evil":2}`), []byte(`{}`), nil),
		"unknown option":   opts(`{"arch":"x"}`),
		"duplicate option": opts(`{"key":"a","key":"b"}`),
		"options not json": opts(`{`),
		"options too long": opts(`{"key":"` + strings.Repeat("k", maxOptionsJSON) + `"}`),
		"empty shape":      opts(`{"input_shape":[]}`),
		"rank 9":           opts(`{"input_shape":[1,1,1,1,1,1,1,1,1]}`),
		"zero dim":         opts(`{"input_shape":[1,0]}`),
		"negative dim":     opts(`{"input_shape":[-1]}`),
		"dim over max":     opts(`{"input_shape":[2147483649]}`),
		"fractional dim":   opts(`{"input_shape":[1.5]}`),
		"shape not array":  opts(`{"input_shape":"1,28,28"}`),
		"long key":         opts(`{"key":"` + strings.Repeat("k", server.MaxConvertKey+1) + `"}`),
		"invalid utf8 key": opts("{\"key\":\"a\xffb\"}"),
		"control key":      opts(`{"key":"a\u0000b"}`),
		"lambdas string":   opts(`{"allow_known_lambdas":"true"}`),
		"swap number":      opts(`{"swap_hw":1}`),
	}
}

func TestRoundTrip(t *testing.T) {
	lim := modelgate.DefaultLimits()
	lim.Layers = 5
	opt := server.ConvertOptions{Limits: lim, InputShape: []int{1, 28, 28}, Key: "model", AllowKnownLambdas: true, SwapHW: true}
	req, err := encodeRequest([]byte("file"), opt)
	if err != nil {
		t.Fatal(err)
	}
	data, got, err := decodeRequest(req)
	if err != nil || string(data) != "file" || got.Limits.Layers != 5 || !slices.Equal(got.InputShape, opt.InputShape) ||
		got.Key != "model" || !got.AllowKnownLambdas || !got.SwapHW {
		t.Fatalf("%q %+v %v", data, got, err)
	}
	req, err = encodeRequest([]byte("f"), server.ConvertOptions{Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	if _, got, err = decodeRequest(req); err != nil || got.InputShape != nil || got.Key != "" || got.AllowKnownLambdas {
		t.Fatalf("no options: %+v %v", got, err)
	}
	for name, bad := range hostileRequests(req) {
		if _, _, err := decodeRequest(bad); err == nil {
			t.Errorf("%s: request %q accepted", name, bad)
		}
	}
	if _, err := encodeRequest(nil, server.ConvertOptions{InputShape: []int{0}}); err == nil {
		t.Error("encodeRequest sends an input shape with a zero dimension")
	}
	out, err := encodeResult(&Result{Spec: []byte("s"), Weights: []byte("w"), Report: json.RawMessage(`{}`)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, ps, err := decodeResult(out)
	if err != nil || ps != nil || string(res.Spec) != "s" || string(res.Weights) != "w" {
		t.Fatalf("%+v %v %v", res, ps, err)
	}
}

func FuzzDecodeResult(f *testing.F) {
	n := 0
	for _, d := range hostileResults() {
		f.Add(d)
		n++
	}
	good, _ := encodeResult(&Result{Spec: []byte("s"), Weights: []byte("w")}, nil)
	f.Add(good)
	bad, _ := encodeResult(nil, modelgate.Problems{modelgate.Errorf(modelgate.EINVALID, "w", "r", "m")})
	f.Add(bad)
	if n == 0 {
		f.Fatal("no seeds")
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, ps, err := decodeResult(data)
		if err == nil && len(ps) == 0 && (res == nil || len(res.Spec) == 0 || len(res.Weights) == 0) {
			t.Fatal("accepted an answer with neither package nor problems")
		}
		for _, p := range ps {
			if len(p.Message) > maxProblemText+8 || !userCodes[p.Code] {
				t.Fatalf("unbounded or untyped problem %+v", p)
			}
		}
	})
}

// FuzzDecodeRequest checks that the child accepts only requests whose
// options pass Check and that re-encode to the same bytes.
func FuzzDecodeRequest(f *testing.F) {
	good, err := encodeRequest([]byte("file"), server.ConvertOptions{Limits: modelgate.DefaultLimits(), InputShape: []int{1, 28, 28}, Key: "model"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	n := 0
	for _, d := range hostileRequests(good) {
		f.Add(d)
		n++
	}
	if n == 0 {
		f.Fatal("no seeds")
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, opt, err := decodeRequest(data)
		if err != nil {
			return
		}
		if err := opt.Check(); err != nil {
			t.Fatalf("accepted options %+v that Check refuses: %v", opt, err)
		}
		if _, err := encodeRequest(file, opt); err != nil {
			t.Fatalf("accepted a request that does not re-encode: %v", err)
		}
	})
}

func TestConverterSlots(t *testing.T) {
	c := &Converter{Exe: "/nonexistent", MaxConcurrent: 1}
	release, err := c.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.Convert(ctx, []byte("x"), server.ConvertOptions{Limits: modelgate.DefaultLimits()})
	var me *modelgate.Error
	if !errors.As(err, &me) || me.Rule != "converter-busy" {
		t.Fatalf("with every slot taken: %v", err)
	}
	release()
	if _, err := c.Convert(context.Background(), []byte("x"), server.ConvertOptions{Limits: modelgate.DefaultLimits()}); !errors.As(err, &me) || me.Rule != sandbox.RuleUnavailable {
		t.Fatalf("with a free slot the child is started: %v", err)
	}
}
