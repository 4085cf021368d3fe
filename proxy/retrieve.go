package proxy

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/retrieve"
)

// retrievePrefix starts the CCR retrieval endpoints: GET /v1/retrieve/{hash}
// returns the original stored under hash, GET /v1/retrieve/stats the
// store's counters. Both answer only clients in Config.RetrieveAllow.
const (
	retrievePrefix     = "/v1/retrieve/"
	retrieveStatsPath  = retrievePrefix + "stats"
	headerItemCount    = "X-Headroom-Original-Item-Count"
	maxHashEchoInError = 64
)

// retrieveError is the JSON body of every non-200 retrieval answer.
type retrieveError struct {
	Error      string  `json:"error"`
	Hash       string  `json:"hash,omitempty"`
	Status     string  `json:"status,omitempty"`
	TTLSeconds float64 `json:"ttl_seconds,omitempty"`
}

// serveRetrieve answers GET /v1/retrieve/{hash}: 200 with the original bytes
// exactly as stored; 404 when the hash is unknown or expired, saying which;
// 400 for something that is not a hash; 403 for a client outside
// RetrieveAllow; 503 without a store or when the store fails.
func (s *Server) serveRetrieve(w http.ResponseWriter, r *http.Request) {
	if !s.retrieveAllowed(r) {
		s.retrieveJSON(w, r, http.StatusForbidden, retrieveError{
			Error: "retrieval is only answered to allowed clients (loopback unless --retrieve-allow says otherwise)",
		})
		return
	}
	if r.URL.Path == retrieveStatsPath {
		s.serveRetrieveStats(w, r)
		return
	}
	hash := r.URL.Path[len(retrievePrefix):]
	if !retrieve.ValidHash(hash) {
		if len(hash) > maxHashEchoInError {
			hash = hash[:maxHashEchoInError]
		}
		s.retrieveJSON(w, r, http.StatusBadRequest, retrieveError{
			Error: "not a CCR hash: want the 12 or 24 hex digits of a compression marker", Hash: strings.ToValidUTF8(hash, "?"),
		})
		return
	}
	if s.cfg.Store == nil {
		s.retrieveJSON(w, r, http.StatusServiceUnavailable, retrieveError{
			Error: "no CCR store is configured (it is opened with --compression)", Hash: hash,
		})
		return
	}
	hash = strings.ToLower(hash)
	res := retrieve.Lookup(r.Context(), s.cfg.Store, hash, s.cfg.StoreTTL)
	ttl := res.TTL.Seconds()
	switch res.Status {
	case retrieve.Available:
		h := w.Header()
		if utf8.Valid(res.Original) {
			h.Set("Content-Type", "text/plain; charset=utf-8")
		} else {
			h.Set("Content-Type", "application/octet-stream")
		}
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		h.Set(headerItemCount, strconv.Itoa(retrieve.ItemCount(res.Original)))
		h.Set("Content-Length", strconv.Itoa(len(res.Original)))
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = w.Write(res.Original)
		}
	case retrieve.Expired:
		s.retrieveJSON(w, r, http.StatusNotFound, retrieveError{
			Error: "expired: the original outlived the store's TTL", Hash: hash, Status: string(res.Status), TTLSeconds: ttl,
		})
	case retrieve.Missing:
		s.retrieveJSON(w, r, http.StatusNotFound, retrieveError{
			Error: "not found: never stored in this store, or expired", Hash: hash, Status: string(res.Status), TTLSeconds: ttl,
		})
	default:
		msg := "store lookup failed"
		if res.Err != nil {
			msg += ": " + res.Err.Error()
		}
		s.retrieveJSON(w, r, http.StatusServiceUnavailable, retrieveError{Error: msg, Hash: hash, Status: string(res.Status)})
	}
}

// serveRetrieveStats answers GET /v1/retrieve/stats with the store's
// operation counters.
func (s *Server) serveRetrieveStats(w http.ResponseWriter, r *http.Request) {
	sr, ok := s.cfg.Store.(ccr.StatsReporter)
	if !ok {
		s.retrieveJSON(w, r, http.StatusServiceUnavailable, retrieveError{Error: "no CCR store with statistics is configured"})
		return
	}
	snap := sr.Stats()
	body, err := json.Marshal(ccrStats{Puts: snap.Puts, Hits: snap.Hits, Misses: snap.Misses, Expired: snap.Expired, Evictions: snap.Evictions})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, r, http.StatusOK, body)
}

// retrieveAllowed reports whether the TCP peer is in RetrieveAllow.
func (s *Server) retrieveAllowed(r *http.Request) bool {
	return peerAllowed(r, s.cfg.RetrieveAllow)
}

func (s *Server) retrieveJSON(w http.ResponseWriter, r *http.Request, status int, e retrieveError) {
	body, err := json.Marshal(e)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, r, status, body)
}
