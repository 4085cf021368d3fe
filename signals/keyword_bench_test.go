package signals

import (
	"testing"
)

// benchDetector scores every corpus line once per iteration and reports
// throughput in lines per second and bytes per second.
func benchDetector(b *testing.B, d Detector, ctx Context) {
	lines := corpusLines(b)
	var n int64
	for _, l := range lines {
		n += int64(len(l))
	}
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range lines {
			d.Score(l, ctx)
		}
	}
	b.ReportMetric(float64(len(lines))*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

func BenchmarkKeywordDetectorLog(b *testing.B)    { benchDetector(b, DefaultKeywordDetector(), Log) }
func BenchmarkKeywordDetectorSearch(b *testing.B) { benchDetector(b, DefaultKeywordDetector(), Search) }
func BenchmarkKeywordDetectorDiff(b *testing.B)   { benchDetector(b, DefaultKeywordDetector(), Diff) }
func BenchmarkKeywordDetectorText(b *testing.B)   { benchDetector(b, DefaultKeywordDetector(), Text) }
func BenchmarkDefaultTieredLog(b *testing.B)      { benchDetector(b, Default(), Log) }

func BenchmarkContainsErrorIndicator(b *testing.B) {
	lines := corpusLines(b)
	d := DefaultKeywordDetector()
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range lines {
			d.ContainsErrorIndicator(l)
		}
	}
	b.ReportMetric(float64(len(lines))*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}
