package legacy

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/server"
)

// Framing. A request is requestMagic, then the limits as JSON, the
// conversion options as JSON (optionsJSON) and the file, each as a
// little-endian uint64 length and its bytes. A result is
// resultMagic, then four sections the same way: problems (JSON), spec,
// report (JSON), weights. Nothing may follow the last section.
const (
	requestMagic = "MGCVREQ2"
	resultMagic  = "MGCVRES1"

	maxLimitsJSON  = 4 << 10
	maxOptionsJSON = 4 << 10
	maxProblems    = 1000
	maxProblemText = 2 << 10
	maxReportBytes = 16 << 20
)

const ruleProtocol = "sandbox-protocol"

func protocolError(format string, args ...any) error {
	return modelgate.Errorf(modelgate.EINTERNAL, "file", ruleProtocol, "malformed answer from the conversion child: "+format, args...)
}

func appendSection(b, s []byte) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(len(s)))
	return append(b, s...)
}

// sections splits framed data after magic into exactly n sections, each
// checked against the bytes that remain before it is sliced.
func sections(data []byte, magic string, n int) ([][]byte, error) {
	if !bytes.HasPrefix(data, []byte(magic)) {
		return nil, errors.New("bad magic")
	}
	rest := data[len(magic):]
	out := make([][]byte, 0, n)
	for i := 0; i < n; i++ {
		if len(rest) < 8 {
			return nil, fmt.Errorf("section %d: truncated length", i)
		}
		l := binary.LittleEndian.Uint64(rest)
		rest = rest[8:]
		if l > uint64(len(rest)) {
			return nil, fmt.Errorf("section %d: length %d exceeds the %d bytes left", i, l, len(rest))
		}
		out = append(out, rest[:l:l])
		rest = rest[l:]
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%d trailing bytes", len(rest))
	}
	return out, nil
}

// optionsJSON is server.ConvertOptions without the limits, on the wire.
type optionsJSON struct {
	InputShape        []int  `json:"input_shape"`
	Key               string `json:"key"`
	AllowKnownLambdas bool   `json:"allow_known_lambdas"`
	SwapHW            bool   `json:"swap_hw"`
}

func encodeRequest(file []byte, opt server.ConvertOptions) ([]byte, error) {
	if err := opt.Check(); err != nil {
		return nil, err
	}
	lj, err := json.Marshal(opt.Limits)
	if err != nil {
		return nil, err
	}
	oj, err := json.Marshal(optionsJSON{InputShape: opt.InputShape, Key: opt.Key, AllowKnownLambdas: opt.AllowKnownLambdas, SwapHW: opt.SwapHW})
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, len(requestMagic)+24+len(lj)+len(oj)+len(file))
	b = append(b, requestMagic...)
	return appendSection(appendSection(appendSection(b, lj), oj), file), nil
}

// decodeRequest parses a request strictly: bounded sections, no unknown
// or duplicate members, options within [server.ConvertOptions.Check].
func decodeRequest(data []byte) ([]byte, server.ConvertOptions, error) {
	var opt server.ConvertOptions
	s, err := sections(data, requestMagic, 3)
	if err != nil {
		return nil, opt, fmt.Errorf("legacy: request: %w", err)
	}
	if len(s[0]) > maxLimitsJSON || len(s[1]) > maxOptionsJSON {
		return nil, opt, errors.New("legacy: request: limits or options too long")
	}
	if err := jsonv2.Unmarshal(s[0], &opt.Limits, jsonv2.RejectUnknownMembers(true)); err != nil {
		return nil, opt, fmt.Errorf("legacy: request limits: %w", err)
	}
	var oj optionsJSON
	if err := jsonv2.Unmarshal(s[1], &oj, jsonv2.RejectUnknownMembers(true)); err != nil {
		return nil, opt, fmt.Errorf("legacy: request options: %w", err)
	}
	opt.InputShape, opt.Key, opt.AllowKnownLambdas, opt.SwapHW = oj.InputShape, oj.Key, oj.AllowKnownLambdas, oj.SwapHW
	if err := opt.Check(); err != nil {
		return nil, opt, fmt.Errorf("legacy: request options: %w", err)
	}
	opt.Limits = opt.Limits.OrDefault()
	return s[2], opt, nil
}

// problemJSON is one problem on the wire.
type problemJSON struct {
	Code    string `json:"code"`
	Where   string `json:"where,omitzero"`
	Rule    string `json:"rule,omitzero"`
	Message string `json:"message"`
}

// encodeResult frames a conversion outcome. An error without problems
// (a bug) is reported as one internal problem.
func encodeResult(res *Result, cerr error) ([]byte, error) {
	var ps []problemJSON
	if cerr != nil {
		for _, e := range flatten(cerr) {
			msg := e.Message
			if e.Err != nil {
				msg = strings.TrimPrefix(msg+": "+e.Err.Error(), ": ")
			}
			ps = append(ps, problemJSON{Code: e.Code, Where: e.Where, Rule: e.Rule, Message: msg})
		}
	}
	pj, err := json.Marshal(ps)
	if err != nil {
		return nil, err
	}
	if res == nil {
		res = &Result{}
	}
	b := make([]byte, 0, len(resultMagic)+32+len(pj)+len(res.Spec)+len(res.Report)+len(res.Weights))
	b = append(b, resultMagic...)
	for _, s := range [][]byte{pj, res.Spec, res.Report, res.Weights} {
		b = appendSection(b, s)
	}
	return b, nil
}

// flatten turns an error into typed problems.
func flatten(err error) []*modelgate.Error {
	var ps modelgate.Problems
	if errors.As(err, &ps) && len(ps) > 0 {
		return ps
	}
	var e *modelgate.Error
	if errors.As(err, &e) {
		return []*modelgate.Error{e}
	}
	return []*modelgate.Error{{Code: modelgate.EINTERNAL, Rule: "convert-failed", Message: "conversion failed", Err: err}}
}

// userCodes are the codes a child may report; anything else becomes
// EINVALID (a refusal), so a child cannot claim e.g. "unauthorized".
var userCodes = map[string]bool{modelgate.EINVALID: true, modelgate.EUNSUPPORTED: true, modelgate.ELIMIT: true, modelgate.EINTERNAL: true}

// decodeResult parses the child's answer strictly. It returns the result
// (nil when the child sent neither spec, weights nor report) and the
// problems of a refusal.
func decodeResult(data []byte) (*Result, modelgate.Problems, error) {
	s, err := sections(data, resultMagic, 4)
	if err != nil {
		return nil, nil, protocolError("%v", err)
	}
	var wire []problemJSON
	if err := jsonv2.Unmarshal(s[0], &wire, jsonv2.RejectUnknownMembers(true)); err != nil {
		return nil, nil, protocolError("problems: %v", err)
	}
	if len(wire) > maxProblems {
		wire = wire[:maxProblems]
	}
	var ps modelgate.Problems
	for _, p := range wire {
		code := p.Code
		if !userCodes[code] {
			code = modelgate.EINVALID
		}
		ps = append(ps, &modelgate.Error{Code: code, Where: clip(p.Where), Rule: clip(p.Rule), Message: clip(p.Message)})
	}
	if len(s[2]) > maxReportBytes || (len(s[2]) > 0 && !json.Valid(s[2])) {
		return nil, nil, protocolError("report is not JSON of at most %d bytes", maxReportBytes)
	}
	var res *Result
	if len(s[1]) > 0 || len(s[2]) > 0 || len(s[3]) > 0 {
		res = &Result{Spec: s[1], Report: json.RawMessage(s[2]), Weights: s[3]}
	}
	if len(ps) == 0 && (res == nil || len(res.Spec) == 0 || len(res.Weights) == 0) {
		return nil, nil, protocolError("neither a package nor problems")
	}
	return res, ps, nil
}

// clip bounds a text from the child and replaces invalid UTF-8.
func clip(s string) string {
	if len(s) > maxProblemText {
		s = s[:maxProblemText]
	}
	return string(bytes.ToValidUTF8([]byte(s), []byte("\uFFFD")))
}
