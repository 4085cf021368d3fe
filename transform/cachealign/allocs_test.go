package cachealign

import (
	"testing"
)

// A system prompt without dynamic content is the common case on the
// proxy's path; detecting nothing must not allocate.
func TestDetectNothingDoesNotAllocate(t *testing.T) {
	d, err := NewDetector(nil, DefaultEntropyThreshold)
	if err != nil {
		t.Fatal(err)
	}
	prompt := "You are a careful assistant.\nAnswer in English, cite sources, and keep replies short.\n"
	if got := d.Detect(prompt); len(got.Spans) != 0 {
		t.Fatalf("spans in a static prompt: %+v", got.Spans)
	}
	if n := testing.AllocsPerRun(100, func() { d.Detect(prompt) }); n != 0 {
		t.Errorf("Detect allocated %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { DetectVolatile(prompt) }); n > 1 {
		t.Errorf("DetectVolatile allocated %v times, want at most 1 (the field split)", n)
	}
}
