package cachealign

import (
	"strings"

	"github.com/headroom-go/headroom/internal/jsonx"
)

// Alignment-score penalties of the reference, per system message.
const (
	maxScore          = 100.0
	perSpanPenalty    = 10.0
	carriageReturnPen = 5.0
	doubleSpacePen    = 2.0
	tripleNewlinePen  = 2.0
)

// ShouldApply is the reference's should_apply for the rewriting aligner:
// the config is enabled and some system message's string content has
// detectable dynamic content. Non-object messages are ignored.
func (a *Aligner) ShouldApply(messages jsonx.Value) bool {
	if !a.cfg.Enabled || a.det == nil {
		return false
	}
	for _, m := range messages.Items() {
		if m.Kind() != jsonx.Object || !isRole(m, "system") {
			continue
		}
		if content, ok := stringField(m, "content", ""); ok && len(a.det.Detect(content).Spans) > 0 {
			return true
		}
	}
	return false
}

// AlignmentScore is the reference's 0–100 cache-friendliness score for the
// rewriting aligner: from 100, each system message with string content
// loses 10 per dynamic span, 5 if it contains '\r', 2 for a double space
// and 2 for three newlines in a row.
func (a *Aligner) AlignmentScore(messages jsonx.Value) float64 {
	score := maxScore
	for _, m := range messages.Items() {
		if m.Kind() != jsonx.Object || !isRole(m, "system") {
			continue
		}
		content, ok := stringField(m, "content", "")
		if !ok {
			continue
		}
		if a.det != nil {
			score -= perSpanPenalty * float64(len(a.det.Detect(content).Spans))
		}
		if strings.Contains(content, "\r") {
			score -= carriageReturnPen
		}
		if strings.Contains(content, "  ") {
			score -= doubleSpacePen
		}
		if strings.Contains(content, "\n\n\n") {
			score -= tripleNewlinePen
		}
	}
	return clampScore(score)
}

// AlignmentScore is the detect-only aligner's score: 100 minus 10 per
// volatile token in any system message's non-empty string content.
func (c *Checker) AlignmentScore(messages jsonx.Value) float64 {
	score := maxScore
	for _, m := range messages.Items() {
		if m.Kind() != jsonx.Object || !isRole(m, "system") {
			continue
		}
		if content, ok := presentString(m, "content"); ok && content != "" {
			score -= perSpanPenalty * float64(len(DetectVolatile(content)))
		}
	}
	return clampScore(score)
}

func clampScore(s float64) float64 { return max(0, min(maxScore, s)) }
