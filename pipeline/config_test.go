package pipeline

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestDefaultConfigParses(t *testing.T) {
	if _, err := ParseConfig(defaultTOML); err != nil {
		t.Fatalf("embedded pipeline.toml: %v", err)
	}
}

// The defaults are the reference's values (spec reference-core.md §13.2).
func TestDefaultConfigHasReferenceValues(t *testing.T) {
	c := DefaultConfig()
	p := c.Pipeline
	if p.ReformatTargetRatio != 0.5 || p.BloatThreshold != 0.5 || p.OffloadFallbackRatio != 0.85 {
		t.Errorf("[pipeline] = %+v", p)
	}
	if l := c.Bloat.Log; l.MinLines != 50 || l.SampleSize != 100 || l.HighPriorityThreshold != 0.4 || l.UniquenessWeight != 0.5 || l.PriorityDilutionWeight != 0.5 {
		t.Errorf("[bloat.log] = %+v", l)
	}
	if d := c.Bloat.Diff; d.MinLines != 50 || d.NormalContextRatio != 0.6 {
		t.Errorf("[bloat.diff] = %+v", d)
	}
	if s := c.Bloat.Search; s.MinMatches != 10 || s.ClusterThreshold != 10 {
		t.Errorf("[bloat.search] = %+v", s)
	}
	if r := c.Reformat.LogTemplate; r.MinLines != 20 || r.MinRun != 3 || r.SimilarityThreshold != 0.4 || r.MinConstantTokens != 2 {
		t.Errorf("[reformat.log_template] = %+v", r)
	}
	if j := c.Offload.JSON; j.MinArrayRows != 5 || j.SaturationRows != 50 {
		t.Errorf("[offload.json] = %+v", j)
	}
	dn := c.Offload.DiffNoise
	want := []string{"Cargo.lock", "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock", "Pipfile.lock", "Gemfile.lock", "go.sum", "composer.lock"}
	if dn.MinLines != 30 || !dn.DropWhitespaceOnlyHunks || !slices.Equal(dn.LockfileSuffixes, want) {
		t.Errorf("[offload.diff_noise] = %+v", dn)
	}
}

func TestDefaultConfigReturnsACopy(t *testing.T) {
	a := DefaultConfig()
	a.Offload.DiffNoise.LockfileSuffixes[0] = "changed"
	a.Pipeline.BloatThreshold = 0.9
	b := DefaultConfig()
	if b.Offload.DiffNoise.LockfileSuffixes[0] != "Cargo.lock" || b.Pipeline.BloatThreshold != 0.5 {
		t.Fatal("changing one DefaultConfig changed the next")
	}
}

func TestParseConfigOverridesEveryValue(t *testing.T) {
	src := string(defaultTOML)
	for _, r := range [][2]string{
		{"bloat_threshold = 0.5", "bloat_threshold = 0.7"},
		{"sample_size = 100", "sample_size = 40"},
		{"normal_context_ratio = 0.6", "normal_context_ratio = 0.75"},
		{"cluster_threshold = 10.0", "cluster_threshold = 4.5"},
		{"min_run = 3", "min_run = 5"},
		{"saturation_rows = 50", "saturation_rows = 20"},
		{"drop_whitespace_only_hunks = true", "drop_whitespace_only_hunks = false"},
		{`    "composer.lock",`, `    "composer.lock",` + "\n" + `    "uv.lock",`},
	} {
		if !strings.Contains(src, r[0]) {
			t.Fatalf("default file has no %q", r[0])
		}
		src = strings.Replace(src, r[0], r[1], 1)
	}
	path := filepath.Join(t.TempDir(), "pipeline.toml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Pipeline.BloatThreshold != 0.7 || c.Bloat.Log.SampleSize != 40 || c.Bloat.Diff.NormalContextRatio != 0.75 ||
		c.Bloat.Search.ClusterThreshold != 4.5 || c.Reformat.LogTemplate.MinRun != 5 || c.Offload.JSON.SaturationRows != 20 ||
		c.Offload.DiffNoise.DropWhitespaceOnlyHunks || c.Offload.DiffNoise.LockfileSuffixes[9] != "uv.lock" {
		t.Fatalf("overrides not applied: %+v", c)
	}
	// Untouched values keep the file's (default) values.
	if c.Pipeline.OffloadFallbackRatio != 0.85 || c.Bloat.Log.MinLines != 50 {
		t.Fatalf("untouched values changed: %+v", c)
	}
}

// sectionRe and keyRe find the sections and keys of the default file.
var (
	sectionRe = regexp.MustCompile(`(?m)^\[([a-z_.]+)\]$`)
	keyRe     = regexp.MustCompile(`(?m)^([a-z_]+) = `)
)

// Every section and every key of the default file is required.
func TestParseConfigRequiresEverySectionAndKey(t *testing.T) {
	src := string(defaultTOML)
	sections := sectionRe.FindAllStringSubmatchIndex(src, -1)
	if len(sections) != 7 {
		t.Fatalf("found %d sections in the default file", len(sections))
	}
	for i, m := range sections {
		name := src[m[2]:m[3]]
		end := len(src)
		if i+1 < len(sections) {
			end = sections[i+1][0]
		}
		without := src[:m[0]] + src[end:]
		_, err := ParseConfig([]byte(without))
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "missing section ["+name+"]") {
			t.Errorf("without [%s]: error = %v", name, err)
		}
		body := src[m[1]:end]
		for _, k := range keyRe.FindAllStringSubmatchIndex(body, -1) {
			key := body[k[2]:k[3]]
			lineEnd := strings.IndexByte(body[k[0]:], '\n') + k[0]
			if strings.HasSuffix(body[k[0]:lineEnd], "[") {
				lineEnd = strings.Index(body[k[0]:], "]\n") + k[0] + 1
			}
			without := src[:m[1]] + body[:k[0]] + body[lineEnd:] + src[end:]
			_, err := ParseConfig([]byte(without))
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), `missing key "`+key+`" in section [`+name+`]`) {
				t.Errorf("without %s.%s: error = %v", name, key, err)
			}
		}
	}
}

func TestParseConfigRejectsBadFiles(t *testing.T) {
	src := string(defaultTOML)
	for _, tc := range []struct {
		name, from, to, want string
	}{
		{"wrong type", "bloat_threshold = 0.5", `bloat_threshold = "high"`, "bloat_threshold"},
		{"out of range", "normal_context_ratio = 0.6", "normal_context_ratio = 1.5", "[bloat.diff] normal_context_ratio must be in [0, 1], got 1.5"},
		{"negative count", "sample_size = 100", "sample_size = -3", "[bloat.log] sample_size must not be negative"},
		{"zero cluster threshold", "cluster_threshold = 10.0", "cluster_threshold = 0.0", "[bloat.search] cluster_threshold"},
		{"nan", "reformat_target_ratio = 0.5", "reformat_target_ratio = nan", "[pipeline] reformat_target_ratio"},
		{"unknown key", "min_run = 3", "min_run = 3\nmin_runs = 4", "unknown key reformat.log_template.min_runs"},
		{"syntax", "min_run = 3", "min_run = = 3", "line"},
		{"empty suffix", `    "go.sum",`, `    "",`, "lockfile_suffixes[7] must not be empty"},
	} {
		bad := strings.Replace(src, tc.from, tc.to, 1)
		if bad == src {
			t.Fatalf("%s: %q not in the default file", tc.name, tc.from)
		}
		_, err := ParseConfig([]byte(bad))
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error = %v, want it to mention %q", tc.name, err, tc.want)
		}
	}
}

func TestLoadConfigNamesTheFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.toml")
	if _, err := LoadConfig(missing); err == nil || !strings.Contains(err.Error(), "nope.toml") {
		t.Errorf("missing file: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.toml")
	if err := os.WriteFile(bad, []byte("[pipeline]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadConfig(bad); err == nil || !strings.Contains(err.Error(), "bad.toml") || !strings.Contains(err.Error(), "missing key") {
		t.Errorf("incomplete file: %v", err)
	}
}
