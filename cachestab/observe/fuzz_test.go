package observe

import (
	"testing"
	"unicode/utf8"

	"github.com/headroom-go/headroom/cachestab"
	"github.com/headroom-go/headroom/internal/jsonx"
)

// FuzzDetectors: the detectors never panic or edit the body; findings are
// capped, samples are valid UTF-8 within the size limit, and pattern
// samples really match their pattern. Seeds: testdata/fuzz/FuzzDetectors.
func FuzzDetectors(f *testing.F) {
	f.Add([]byte(`{"system":"2026-05-04T14:30:00 550e8400-e29b-41d4-a716-446655440000","messages":[{"content":[{"request_id":1}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := jsonx.Parse(data)
		if err != nil {
			return
		}
		before := jsonx.Compact(v)
		for _, ep := range [...]cachestab.Endpoint{cachestab.Messages, cachestab.ChatCompletions, cachestab.Responses} {
			fs := DetectVolatile(v, ep)
			if len(fs) > MaxVolatileFindings {
				t.Fatalf("%d findings", len(fs))
			}
			for _, f := range fs {
				if !utf8.ValidString(f.Sample) || len(f.Sample) > SampleMaxBytes+len("…") || f.Location == "" {
					t.Fatalf("bad finding %+v", f)
				}
				switch f.Kind {
				case Timestamp:
					if len(f.Sample) != timestampLen || !isTimestamp(f.Sample) {
						t.Fatalf("timestamp sample %q", f.Sample)
					}
				case UUIDv4:
					if len(f.Sample) != uuidLen || !isUUIDv4(f.Sample) {
						t.Fatalf("uuid sample %q", f.Sample)
					}
				case IDField:
				default:
					t.Fatalf("kind %d", f.Kind)
				}
			}
			a, b := FingerprintOf(v, ep), FingerprintOf(v, ep)
			if a != b {
				t.Fatal("fingerprint not deterministic")
			}
			if jsonx.Compact(v) != before {
				t.Fatal("body changed")
			}
		}
	})
}
