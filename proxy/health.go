package proxy

import (
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/headroom-go/headroom/internal/version"
)

// healthProbeDrainLimit caps how much of the upstream's /healthz body is read
// so the pooled connection can be reused; the content is not used.
const healthProbeDrainLimit = 64 << 10

// serveHealth answers /healthz: the process is up, whatever the upstream does.
func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, r, http.StatusOK, s.healthBody)
}

// upstreamHealth is the /healthz/upstream answer. UpstreamStatus and Error
// are omitted when unset.
type upstreamHealth struct {
	OK             bool   `json:"ok"`
	UpstreamStatus int    `json:"upstream_status,omitempty"`
	Error          string `json:"error,omitempty"`
}

// serveUpstreamHealth probes GET <upstream scheme://host>/healthz (the base
// path is dropped) with its own short timeout, Config.HealthProbeTimeout,
// rather than the long upstream timeout, so a hung upstream fails the probe
// quickly. 2xx → 200 {"ok":true}; anything else, including 3xx (redirects
// are not followed) → 503 with the status; a transport error → 503 with it.
func (s *Server) serveUpstreamHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.HealthProbeTimeout)
	defer cancel()
	res := s.probeUpstream(ctx)
	status := http.StatusOK
	if !res.OK {
		status = http.StatusServiceUnavailable
	}
	body, err := json.Marshal(res)
	if err != nil { // a struct of a bool, an int and a string always encodes
		http.Error(w, "encode health answer: "+err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, r, status, body)
}

func (s *Server) probeUpstream(ctx context.Context) upstreamHealth {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.healthURL, nil)
	if err != nil {
		return upstreamHealth{Error: err.Error()}
	}
	req.Header.Set("User-Agent", ServiceName+"/"+version.Version)
	res, err := s.transport.RoundTrip(req)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return upstreamHealth{Error: "no answer within " + s.cfg.HealthProbeTimeout.String() + ": " + err.Error()}
		}
		return upstreamHealth{Error: err.Error()}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, healthProbeDrainLimit))
	_ = res.Body.Close()
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return upstreamHealth{UpstreamStatus: res.StatusCode}
	}
	return upstreamHealth{OK: true}
}

func writeJSON(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}
