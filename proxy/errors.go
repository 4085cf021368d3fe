package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
)

// StatusClientClosedRequest is recorded (never sent: nobody is listening)
// when the client went away before the upstream answered.
const StatusClientClosedRequest = 499

// connectError marks a failure to reach the upstream at all (refused, DNS,
// unreachable, connect timeout), as opposed to a failure after connecting.
type connectError struct {
	addr string
	err  error
}

func (e *connectError) Error() string { return fmt.Sprintf("dial %s: %v", e.addr, e.err) }
func (e *connectError) Unwrap() error { return e.err }

// BodyTooLargeError is reported when a request body on a buffered path is
// larger than Config.MaxBodyBytes. Declared is the client's Content-Length,
// or -1 when the body had no declared length and overran while reading.
type BodyTooLargeError struct {
	Limit    int64
	Declared int64
}

func (e *BodyTooLargeError) Error() string {
	if e.Declared >= 0 {
		return fmt.Sprintf("declared Content-Length %d exceeds the %d-byte limit", e.Declared, e.Limit)
	}
	return fmt.Sprintf("body exceeds the %d-byte limit", e.Limit)
}

// requestBodyError is a failure to read the client's body on a buffered path.
type requestBodyError struct{ err error }

func (e *requestBodyError) Error() string { return "read request body: " + e.err.Error() }
func (e *requestBodyError) Unwrap() error { return e.err }

// errorStatus maps an error that ended a request before any response header
// was written to the status and plain-text message the client gets. It is
// the only place that decides proxy error statuses.
func errorStatus(ctx context.Context, err error) (int, string) {
	var (
		tooLarge *BodyTooLargeError
		conn     *connectError
		bodyErr  *requestBodyError
		netErr   net.Error
	)
	switch {
	case errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge, "request body exceeds configured limit: " + tooLarge.Error()
	case ctx.Err() != nil:
		// The client disconnected (or shutdown force-closed it); whatever
		// the transport reports is a consequence of that.
		return StatusClientClosedRequest, "client closed request"
	case errors.As(err, &bodyErr):
		return http.StatusBadRequest, "invalid request body: " + bodyErr.Error()
	case errors.As(err, &conn):
		if errors.As(err, &netErr) && netErr.Timeout() {
			return http.StatusGatewayTimeout, "upstream connect timeout: " + conn.Error()
		}
		return http.StatusBadGateway, "upstream connect error: " + conn.Error()
	case errors.As(err, &netErr) && netErr.Timeout():
		// http.Transport's ResponseHeaderTimeout and the TLS handshake
		// timeout both surface as net.Error timeouts.
		return http.StatusGatewayTimeout, "upstream timeout: " + err.Error()
	default:
		return http.StatusBadGateway, "upstream request failed: " + err.Error()
	}
}

// handleError is the ReverseProxy ErrorHandler and the proxy's own error
// path: it answers with the mapped status and a plain-text body naming the
// cause. It is only ever called before response headers are written; after
// that the stdlib aborts the connection instead.
func (s *Server) handleError(w http.ResponseWriter, r *http.Request, err error) {
	st := stateFrom(r.Context())
	status, msg := errorStatus(r.Context(), err)
	st.status = status
	if status == StatusClientClosedRequest {
		return
	}
	st.err = err
	s.log.LogAttrs(r.Context(), slog.LevelWarn, "proxy error",
		slog.String("request_id", st.id), slog.Int("status", status), slog.String("error", msg))
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set(headerRequestID, st.id)
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg+"\n")
}
