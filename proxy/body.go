package proxy

import (
	"bytes"
	"io"
	"mime"
	"net/http"
)

// Paths whose JSON request bodies the compression path reads whole. Matching
// is on the exact path, so a query string does not matter and sub-paths
// such as /v1/responses/{id} stream like everything else.
const (
	pathAnthropicMessages = "/v1/messages"
	pathChatCompletions   = "/v1/chat/completions"
	pathResponses         = "/v1/responses"
)

// mustBuffer reports whether r takes the buffered compression path: a POST
// to one of the compression paths with a JSON body. Only then is
// Config.MaxBodyBytes enforced; every other body streams without a limit.
func mustBuffer(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	switch r.URL.Path {
	case pathAnthropicMessages, pathChatCompletions, pathResponses:
	default:
		return false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

// bufferBody reads r's body whole, at most CompressionMaxBodyBytes, so the
// compression path can work on it. A declared Content-Length over the limit
// is refused before reading anything and before contacting the upstream.
// It reports false when it has already answered the client.
func (s *Server) bufferBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	limit := s.cfg.CompressionMaxBodyBytes
	if r.ContentLength > limit {
		s.handleError(w, r, &BodyTooLargeError{Limit: limit, Declared: r.ContentLength})
		return nil, false
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength))
	}
	// One byte past the limit tells "exactly at the limit" from "over".
	n, err := buf.ReadFrom(io.LimitReader(r.Body, limit+1))
	if err != nil {
		s.handleError(w, r, &requestBodyError{err: err})
		return nil, false
	}
	if n > limit {
		s.handleError(w, r, &BodyTooLargeError{Limit: limit, Declared: -1})
		return nil, false
	}
	_ = r.Body.Close()
	return buf.Bytes(), true
}

// setBody makes body the request body with an exact Content-Length.
func setBody(r *http.Request, body []byte) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.TransferEncoding = nil
	r.Header.Del("Transfer-Encoding")
	r.Header.Del("Content-Length") // the transport writes the new length
}
