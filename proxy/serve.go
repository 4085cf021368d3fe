package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// forcedCloseWait bounds how long Serve waits, after force-closing at the
// end of the grace period, for handlers to notice and return.
const forcedCloseWait = 5 * time.Second

// ListenAndServe binds Config.Listen and calls Serve.
func (s *Server) ListenAndServe(ctx context.Context) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("proxy: listen %s: %w", s.cfg.Listen, err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves HTTP/1.1 and cleartext HTTP/2 (prior knowledge) on ln until
// ctx is cancelled, then shuts down gracefully: it stops accepting at once,
// lets in-flight requests, streams and upgraded connections finish for up
// to Config.GracefulShutdownTimeout, closes whatever is still open, and
// returns nil. It returns an error only if the listener fails. Serve closes
// ln. Call it at most once per Server.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	// Request contexts derive from baseCtx, so cancelling it at the end of
	// the grace period aborts every upstream exchange still running.
	baseCtx, cancelBase := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelBase()

	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{
		Handler:           s,
		Protocols:         &protocols,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		MaxHeaderBytes:    s.cfg.MaxHeaderBytes,
		// No ReadTimeout or WriteTimeout: they would cap the total length
		// of uploads and streams, which is exactly what must not happen.
		IdleTimeout: DefaultIdleConnTimeout,
		ErrorLog:    slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		BaseContext: func(net.Listener) context.Context { return baseCtx },
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.logStart(ln.Addr())

	select {
	case err := <-errc:
		return fmt.Errorf("proxy: serve %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}

	grace := s.cfg.GracefulShutdownTimeout
	s.log.Info("shutting down", slog.Duration("grace", grace))
	graceCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	shutdownErr := srv.Shutdown(graceCtx) // stops accepting, drains plain requests
	s.upgrades.wait(graceCtx)             // Shutdown ignores hijacked connections
	forced := 0
	if shutdownErr != nil || graceCtx.Err() != nil {
		forced = s.upgrades.closeAll()
		_ = srv.Close()
		cancelBase()
		s.waitHandlers(forcedCloseWait)
		s.log.Warn("grace period over: closed remaining connections",
			slog.Duration("grace", grace), slog.Int("upgraded_closed", forced))
	} else {
		s.upgrades.closeAll() // nothing left; refuse late hijacks
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		s.log.Warn("serve ended with error", slog.String("error", err.Error()))
	}
	s.transport.CloseIdleConnections()
	s.log.Info("stopped")
	return nil
}

// waitHandlers waits up to d for running handlers to return.
func (s *Server) waitHandlers(d time.Duration) {
	done := make(chan struct{})
	go func() { s.inflight.Wait(); close(done) }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

func (s *Server) logStart(addr net.Addr) {
	c := s.cfg
	s.log.Info("headroom-proxy listening",
		slog.String("listen", addr.String()),
		slog.String("upstream", s.upstream.String()),
		slog.Duration("upstream_timeout", c.UpstreamTimeout),
		slog.Duration("upstream_connect_timeout", c.UpstreamConnectTimeout),
		slog.Int64("max_body_bytes", c.MaxBodyBytes),
		slog.Bool("rewrite_host", !c.PreserveHost),
		slog.Duration("graceful_shutdown_timeout", c.GracefulShutdownTimeout),
		slog.Bool("strip_internal_headers", !c.ForwardInternalHeaders),
		slog.Bool("compression", c.Compression),
		slog.Int64("compression_max_body_bytes", c.CompressionMaxBodyBytes),
		slog.Bool("cache_control_auto_frozen", !c.CacheControlAutoFrozenDisabled),
		slog.Bool("auth_mode_policy_enforcement", !c.AuthModePolicyEnforcementDisabled),
		slog.Bool("ccr_store", c.Store != nil),
		slog.Bool("ccr_inject_tool", !c.RetrievalToolDisabled),
		slog.Bool("ccr_handle_responses", !c.RetrievalHandlingDisabled),
		slog.Any("retrieve_allow", c.RetrieveAllow),
		slog.Duration("health_probe_timeout", c.HealthProbeTimeout),
	)
}
