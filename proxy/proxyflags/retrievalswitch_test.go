package proxyflags

import (
	"bytes"
	"flag"
	"io"
	"strings"
	"testing"
)

// TestRetrievalSwitches: --ccr-inject-tool and --ccr-handle-responses
// default to on, take a value from the flag, then HEADROOM_PROXY_*, then
// (for the tool) the reference's inverted HEADROOM_NO_CCR_INJECT_TOOL.
func TestRetrievalSwitches(t *testing.T) {
	up := []string{"--upstream", "http://h"}
	for _, tc := range []struct {
		name                 string
		args                 []string
		env                  map[string]string
		toolOff, handlingOff bool
	}{
		{"defaults", nil, nil, false, false},
		{"bare flags", []string{"--ccr-inject-tool", "--ccr-handle-responses"}, nil, false, false},
		{"flags off", []string{"--ccr-inject-tool=false", "--ccr-handle-responses=no"}, nil, true, true},
		{"env off", nil, map[string]string{EnvCCRInjectTool: "0", EnvCCRHandleResponses: "off"}, true, true},
		{"flag beats env", []string{"--ccr-inject-tool=true", "--ccr-handle-responses=1"},
			map[string]string{EnvCCRInjectTool: "false", EnvCCRHandleResponses: "false"}, false, false},
		{"reference env true", nil, map[string]string{EnvNoCCRInjectTool: "1"}, true, false},
		{"reference env false", nil, map[string]string{EnvNoCCRInjectTool: "false"}, false, false},
		{"our env beats reference env", nil, map[string]string{EnvNoCCRInjectTool: "true", EnvCCRInjectTool: "yes"}, false, false},
		{"flag beats reference env", []string{"--ccr-inject-tool"}, map[string]string{EnvNoCCRInjectTool: "true"}, false, false},
	} {
		cfg, err := parse(t, append(append([]string(nil), up...), tc.args...), tc.env)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if cfg.RetrievalToolDisabled != tc.toolOff || cfg.RetrievalHandlingDisabled != tc.handlingOff {
			t.Errorf("%s: RetrievalToolDisabled=%v RetrievalHandlingDisabled=%v, want %v %v",
				tc.name, cfg.RetrievalToolDisabled, cfg.RetrievalHandlingDisabled, tc.toolOff, tc.handlingOff)
		}
	}
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--ccr-inject-tool=maybe"}, nil, "maybe"},
		{nil, map[string]string{EnvCCRHandleResponses: "sometimes"}, EnvCCRHandleResponses + `="sometimes"`},
		{nil, map[string]string{EnvNoCCRInjectTool: "perhaps"}, EnvNoCCRInjectTool + `="perhaps"`},
	} {
		_, err := parse(t, append(append([]string(nil), up...), tc.args...), tc.env)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: error %v, want it to mention %q", tc.args, tc.env, err, tc.want)
		}
	}
}

func TestUsageDescribesRetrievalSwitches(t *testing.T) {
	fs := flag.NewFlagSet("headroom-proxy", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f, err := Bind(fs, nil)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	f.PrintUsage(&b)
	for _, want := range []string{
		"--ccr-inject-tool[=BOOL]", "env " + EnvCCRInjectTool + ", default true", EnvNoCCRInjectTool + "=true",
		"--ccr-handle-responses[=BOOL]", "env " + EnvCCRHandleResponses + ", default true",
		"POST /v1/compress and GET /v1/retrieve use the same store",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}
