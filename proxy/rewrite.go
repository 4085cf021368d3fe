package proxy

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httputil"
	"strings"
	"time"
)

// Header names this file reads or writes, in canonical form.
const (
	headerRequestID         = "X-Request-Id"
	headerUpstreamRequestID = "Request-Id" // Anthropic's name; OpenAI uses X-Request-Id
	headerHeadroomUpstream  = "Headroom-Upstream-Request-Id"
	internalHeaderPrefix    = "X-Headroom-"
)

// rewrite routes the outbound request to the upstream and sets its headers.
// The stdlib has already removed hop-by-hop headers and those named in
// Connection (keeping Upgrade for protocol switches and "Te: trailers"),
// and the client's Forwarded / X-Forwarded-* headers.
func (s *Server) rewrite(pr *httputil.ProxyRequest) {
	st := stateFrom(pr.In.Context())

	// SetURL joins the base path and the request's escaped path, so an
	// encoded "%2F" stays encoded. It also merges queries and the stdlib
	// drops unparsable query parameters before Rewrite; the client's raw
	// query is restored instead so it arrives byte for byte (the upstream
	// URL cannot carry a query of its own).
	pr.SetURL(s.upstream)
	pr.Out.URL.RawQuery = pr.In.URL.RawQuery
	pr.Out.URL.ForceQuery = pr.In.URL.ForceQuery
	if s.cfg.PreserveHost {
		pr.Out.Host = pr.In.Host
	}
	// X-Forwarded-For gets the peer appended to the client's chain,
	// X-Forwarded-Host the client's Host and X-Forwarded-Proto "http"
	// (this proxy never terminates TLS). The stdlib removed the client's
	// chain from Out; copying it back makes SetXForwarded append to it.
	if xff := pr.In.Header["X-Forwarded-For"]; len(xff) > 0 {
		pr.Out.Header["X-Forwarded-For"] = xff
	}
	pr.SetXForwarded()
	pr.Out.Header[headerRequestID] = st.idValue[:]
	if !s.cfg.ForwardInternalHeaders {
		st.strippedInternal = stripInternalHeaders(pr.Out.Header)
	}
}

// stripInternalHeaders deletes every x-headroom-* header and reports how many
// names it removed. Header keys are canonical for both HTTP/1 and HTTP/2
// requests, but a handler-built header map need not be, so the prefix is
// compared case-insensitively.
func stripInternalHeaders(h http.Header) int {
	n := 0
	for k := range h {
		if len(k) >= len(internalHeaderPrefix) && strings.EqualFold(k[:len(internalHeaderPrefix)], internalHeaderPrefix) {
			delete(h, k)
			n++
		}
	}
	return n
}

// modifyResponse runs once the upstream's response headers arrived: it
// records them, returns the request ids to the client and arms the idle
// timeout on the body. The stdlib has removed hop-by-hop response headers.
func (s *Server) modifyResponse(res *http.Response) error {
	st := stateFrom(res.Request.Context())
	st.upstreamStatus = res.StatusCode
	st.headerLatency = time.Since(st.start)
	s.metrics.recordRateLimits(st.path, res.Header)

	upID := res.Header.Get(headerUpstreamRequestID)
	if upID == "" {
		upID = res.Header.Get(headerRequestID)
	}
	if upID != "" {
		st.upstreamID = upID
		res.Header.Set(headerHeadroomUpstream, upID)
	}
	// The stdlib copies response header values into the client's header
	// map, so sharing the state's backing array here is safe.
	res.Header[headerRequestID] = st.idValue[:]

	// A 101 body is the raw upgraded connection; it must not be wrapped.
	if res.StatusCode != http.StatusSwitchingProtocols && res.Body != nil && res.Body != http.NoBody {
		st.responseBody = idleTimeoutBody{body: res.Body, timeout: s.cfg.UpstreamTimeout, st: st}
		res.Body = s.teeStream(res, st, &st.responseBody)
	}
	return nil
}

// maxRequestIDLen bounds a client-supplied request id; longer ones are
// replaced so a client cannot make every log line huge.
const maxRequestIDLen = 200

// requestID returns the client's x-request-id when it is a sane token
// (printable ASCII, bounded length), else a fresh random UUIDv4. Reusing the
// client's id lets one id follow a call through every hop.
func requestID(h http.Header) string {
	if v := h.Get(headerRequestID); validRequestID(v) {
		return v
	}
	return newRequestID()
}

func validRequestID(v string) bool {
	if v == "" || len(v) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// newRequestID returns a random (version 4, RFC 9562 §5.4) UUID string.
// crypto/rand.Read does not fail on supported platforms.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// isUpgradeRequest reports whether the client asks to switch protocols
// (Connection lists "upgrade" and Upgrade is set), which the stdlib proxy
// then relays by hijacking the connection.
func isUpgradeRequest(h http.Header) bool {
	if h.Get("Upgrade") == "" {
		return false
	}
	for _, v := range h["Connection"] {
		for tok := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(tok), "upgrade") {
				return true
			}
		}
	}
	return false
}
