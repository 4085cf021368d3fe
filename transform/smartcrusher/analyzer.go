package smartcrusher

import (
	"math"
	"slices"
	"strings"

	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/internal/pycompat"
)

// fieldType is the analyzer's type of a column, taken from its first
// non-null value.
type fieldType uint8

const (
	fieldNull fieldType = iota
	fieldBoolean
	fieldNumeric
	fieldString
	fieldObject
	fieldArray
)

// fieldStats describes one key across the objects of a dict array.
type fieldStats struct {
	name        string
	typ         fieldType
	uniqueCount int
	uniqueRatio float64
	constant    bool
	constVal    jsonx.Value // valid when constant and typ != fieldNull
	hasConst    bool

	// Numeric columns: min/max/mean are present together; variance is 0
	// when absent (the reference's unwrap_or(0.0) everywhere).
	hasMean           bool
	minV, maxV, meanV float64
	variance          float64
	changePoints      []int
	avgLength         float64 // string columns: mean character count
	values            []jsonx.Value
	present           []bool // per object item: key present (even if null)
}

// pattern is the shape the analyzer recognises in a dict array.
type pattern uint8

const (
	patternGeneric pattern = iota
	patternTimeSeries
	patternLogs
	patternSearchResults
)

// strategy is the planning strategy chosen for a dict array; its name is
// the prefix of the reported strategy string.
type strategy uint8

const (
	strategyNone strategy = iota
	strategySkip
	strategyTimeSeries
	strategyCluster
	strategyTopN
	strategySmartSample
)

var strategyNames = [...]string{"none", "skip", "time_series", "cluster", "top_n", "smart_sample"}

func (s strategy) String() string { return strategyNames[s] }

// analysis is analyze_array's result.
type analysis struct {
	fields    []*fieldStats // sorted by name (byte order)
	pattern   pattern
	strategy  strategy
	constants []jsonx.Member // constant fields in name order
	crushable bool
	reason    string
}

// analyze runs the reference's SmartAnalyzer over a dict array. strs are
// the items' compact renderings.
func (c *Crusher) analyze(items []jsonx.Value, strs []string) *analysis {
	a := &analysis{}
	if len(items) == 0 || items[0].Kind() != jsonx.Object {
		a.strategy = strategyNone
		return a
	}
	var keys []string
	seen := make(map[string]struct{})
	for _, it := range items {
		for _, m := range it.Members() {
			if _, ok := seen[m.Key]; !ok {
				seen[m.Key] = struct{}{}
				keys = append(keys, m.Key)
			}
		}
	}
	slices.Sort(keys)
	a.fields = make([]*fieldStats, len(keys))
	for i, k := range keys {
		a.fields[i] = c.analyzeField(k, items)
	}
	a.pattern = c.detectPattern(a.fields, items)
	for _, f := range a.fields {
		if f.constant && f.hasConst {
			a.constants = append(a.constants, jsonx.Member{Key: f.name, Value: f.constVal})
		}
	}
	a.crushable, a.reason = c.crushability(items, strs, a.fields)
	a.strategy = c.selectStrategy(a, len(items))
	return a
}

// pyStr is Python's str() of a JSON value as the reference spells it for
// uniqueness counting: None/True/False, number literals, raw strings,
// compact JSON for containers. (A string "None" and null collide, as in
// the reference.)
func pyStr(v jsonx.Value, buf []byte) string {
	switch v.Kind() {
	case jsonx.Null:
		return "None"
	case jsonx.Bool:
		if b, _ := v.Bool(); b {
			return "True"
		}
		return "False"
	case jsonx.Number:
		lit, _ := v.Literal()
		return lit
	case jsonx.String:
		s, _ := v.Str()
		return s
	}
	return string(jsonx.AppendCompact(buf[:0], v))
}

func (c *Crusher) analyzeField(key string, items []jsonx.Value) *fieldStats {
	fs := &fieldStats{name: key, values: make([]jsonx.Value, 0, len(items)), present: make([]bool, 0, len(items))}
	var firstNonNull jsonx.Value
	nonNull := 0
	for _, it := range items {
		if it.Kind() != jsonx.Object {
			continue
		}
		v, ok := it.Get(key)
		fs.values = append(fs.values, v)
		fs.present = append(fs.present, ok)
		if !v.IsNull() {
			if nonNull == 0 {
				firstNonNull = v
			}
			nonNull++
		}
	}
	if nonNull == 0 {
		fs.typ = fieldNull
		fs.constant = true
		return fs
	}
	switch firstNonNull.Kind() {
	case jsonx.Bool:
		fs.typ = fieldBoolean
	case jsonx.Number:
		fs.typ = fieldNumeric
	case jsonx.String:
		fs.typ = fieldString
	case jsonx.Object:
		fs.typ = fieldObject
	case jsonx.Array:
		fs.typ = fieldArray
	}
	uniq := make(map[string]struct{}, len(fs.values))
	var buf []byte
	for _, v := range fs.values {
		uniq[pyStr(v, buf)] = struct{}{}
	}
	fs.uniqueCount = len(uniq)
	fs.uniqueRatio = float64(fs.uniqueCount) / float64(len(fs.values))
	if fs.uniqueCount == 1 {
		fs.constant, fs.constVal, fs.hasConst = true, firstNonNull, true
	}
	switch fs.typ {
	case fieldNumeric:
		var nums []float64
		for _, v := range fs.values {
			if f, ok := v.Float(); ok {
				nums = append(nums, f)
			}
		}
		if len(nums) == 0 {
			break
		}
		mn, mx := nums[0], nums[0]
		for _, x := range nums[1:] {
			mn, mx = math.Min(mn, x), math.Max(mx, x)
		}
		m, okMean := mean(nums)
		variance, okVar := 0.0, true
		if len(nums) > 1 {
			variance, okVar = sampleVariance(nums)
		}
		if okMean && okVar {
			fs.hasMean, fs.minV, fs.maxV, fs.meanV, fs.variance = true, mn, mx, m, variance
			fs.changePoints = c.changePoints(nums, changeWindow)
		}
	case fieldString:
		var lens []float64
		for _, v := range fs.values {
			if s, ok := v.Str(); ok {
				lens = append(lens, float64(pycompat.CharLen(s)))
			}
		}
		fs.avgLength, _ = mean(lens)
	}
	return fs
}

// changeWindow is the half-width of the change-point window.
const changeWindow = 5

// changePoints finds indices where the mean of the next window differs from
// the previous window's by more than VarianceThreshold σ, keeping only
// points more than a window apart.
func (c *Crusher) changePoints(xs []float64, w int) []int {
	if len(xs) < 2*w {
		return nil
	}
	sd, ok := sampleStdev(xs)
	if !ok || !(sd > 0) {
		return nil
	}
	thr := float64(c.cfg.VarianceThreshold * sd)
	var raw []int
	for i := w; i < len(xs)-w; i++ {
		before, _ := mean(xs[i-w : i])
		after, _ := mean(xs[i : i+w])
		if math.Abs(after-before) > thr {
			raw = append(raw, i)
		}
	}
	if len(raw) == 0 {
		return nil
	}
	out := raw[:1]
	for _, cp := range raw[1:] {
		if cp-out[len(out)-1] > w {
			out = append(out, cp)
		}
	}
	return out
}

func (c *Crusher) detectPattern(fields []*fieldStats, items []jsonx.Value) pattern {
	numericVariance := false
	for _, f := range fields {
		if f.typ == fieldNumeric && f.variance > 0 {
			numericVariance = true
		}
	}
	if numericVariance && hasTemporalField(fields, items) {
		return patternTimeSeries
	}
	messageLike, levelLike := false, false
	for _, f := range fields {
		if f.typ != fieldString {
			continue
		}
		if f.uniqueRatio > 0.5 && f.avgLength > 20 {
			messageLike = true
		} else if f.uniqueRatio < 0.1 && f.uniqueCount >= 2 && f.uniqueCount <= 10 {
			levelLike = true
		}
	}
	if messageLike && levelLike {
		return patternLogs
	}
	for _, f := range fields {
		if ok, conf := detectScore(f, items); ok && conf >= 0.5 {
			return patternSearchResults
		}
	}
	return patternGeneric
}

// temporalSample is how many leading items a string column is sampled over
// when looking for ISO dates.
const temporalSample = 10

func hasTemporalField(fields []*fieldStats, items []jsonx.Value) bool {
	for _, f := range fields {
		switch f.typ {
		case fieldString:
			total, iso := 0, 0
			for _, it := range items[:min(temporalSample, len(items))] {
				v, ok := it.Get(f.name)
				if !ok {
					continue
				}
				s, ok := v.Str()
				if !ok {
					continue
				}
				total++
				if isISODateTime(s) || isISODate(s) {
					iso++
				}
			}
			if total > 0 && float64(iso)/float64(total) > 0.5 {
				return true
			}
		case fieldNumeric:
			if f.hasMean && ((f.minV >= 1e9 && f.minV <= 2e9) || (f.minV >= 1e12 && f.minV <= 2e12)) {
				return true
			}
		}
	}
	return false
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// isISODate matches exactly "YYYY-MM-DD" by byte positions.
func isISODate(s string) bool {
	return len(s) == 10 && datePrefix(s)
}

func datePrefix(s string) bool {
	return isDigit(s[0]) && isDigit(s[1]) && isDigit(s[2]) && isDigit(s[3]) && s[4] == '-' &&
		isDigit(s[5]) && isDigit(s[6]) && s[7] == '-' && isDigit(s[8]) && isDigit(s[9])
}

// isISODateTime matches "YYYY-MM-DD[T ]HH:MM:SS" followed by anything.
func isISODateTime(s string) bool {
	return len(s) >= 19 && datePrefix(s) && (s[10] == 'T' || s[10] == ' ') &&
		isDigit(s[11]) && isDigit(s[12]) && s[13] == ':' && isDigit(s[14]) && isDigit(s[15]) &&
		s[16] == ':' && isDigit(s[17]) && isDigit(s[18])
}

// crushability decides whether dropping rows is safe and why (the reason
// string appears in "skip:<reason>" strategies).
func (c *Crusher) crushability(items []jsonx.Value, strs []string, fields []*fieldStats) (bool, string) {
	signal := false

	var idName string
	hasIDName := false
	idUniq, idConf := 0.0, 0.0
	for _, f := range fields {
		if ok, conf := detectID(f); ok && conf > idConf {
			idName, hasIDName, idUniq, idConf = f.name, true, f.uniqueRatio, conf
		}
	}
	hasID := hasIDName && idConf >= 0.7

	for _, f := range fields {
		if ok, _ := detectScore(f, items); ok {
			signal = true
			break
		}
	}
	outliers := structuralOutliers(items)
	if len(outliers) > 0 {
		signal = true
	}
	if len(errorItems(items, strs)) > 0 && len(outliers) == 0 {
		signal = true
	}
	if len(c.numericAnomalies(fields, items)) > 0 {
		signal = true
	}

	var strRatios, numRatios []float64
	for _, f := range fields {
		if hasIDName && f.name == idName {
			continue
		}
		switch f.typ {
		case fieldString:
			strRatios = append(strRatios, f.uniqueRatio)
		case fieldNumeric:
			numRatios = append(numRatios, f.uniqueRatio)
		}
	}
	avgStr, _ := mean(strRatios)
	avgNum, _ := mean(numRatios)
	maxUniq := math.Max(math.Max(avgStr, idUniq), 0)
	nonIDContent := math.Max(avgStr, avgNum)

	for _, f := range fields {
		if f.typ == fieldNumeric && len(f.changePoints) > 0 {
			signal = true
		}
	}

	switch {
	case nonIDContent < 0.1 && hasID:
		return true, "repetitive_content_with_ids"
	case maxUniq < 0.3:
		return true, "low_uniqueness_safe_to_sample"
	case hasID && maxUniq > 0.8 && !signal:
		return false, "unique_entities_no_signal"
	case maxUniq > 0.8 && signal:
		return true, "unique_entities_with_signal"
	case !signal:
		return false, "medium_uniqueness_no_signal"
	}
	return true, "medium_uniqueness_with_signal"
}

// numericAnomalies returns the indices of items whose value in a numeric
// column with spread lies more than VarianceThreshold σ from the mean.
func (c *Crusher) numericAnomalies(fields []*fieldStats, items []jsonx.Value) []int {
	var out []int
	mark := make([]bool, len(items))
	for _, f := range fields {
		if f.typ != fieldNumeric || !f.hasMean || !(f.variance > 0) {
			continue
		}
		sd := math.Sqrt(f.variance)
		if !(sd > 0) {
			continue
		}
		thr := float64(c.cfg.VarianceThreshold * sd)
		for i, it := range items {
			v, ok := it.Get(f.name)
			if !ok {
				continue
			}
			if x, ok := v.Float(); ok && math.Abs(x-f.meanV) > thr && !mark[i] {
				mark[i] = true
			}
		}
	}
	for i, m := range mark {
		if m {
			out = append(out, i)
		}
	}
	return out
}

func (c *Crusher) selectStrategy(a *analysis, n int) strategy {
	if n < c.cfg.MinItemsToAnalyze {
		return strategyNone
	}
	if !a.crushable {
		return strategySkip
	}
	if a.pattern == patternTimeSeries {
		for _, f := range a.fields {
			if f.typ == fieldNumeric && len(f.changePoints) > 0 {
				return strategyTimeSeries
			}
		}
	}
	if a.pattern == patternLogs {
		for _, f := range a.fields {
			if strings.Contains(pycompat.RustLower(f.name), "message") {
				if f.uniqueRatio < 0.5 {
					return strategyCluster
				}
				break
			}
		}
	}
	if a.pattern == patternSearchResults {
		return strategyTopN
	}
	return strategySmartSample
}
