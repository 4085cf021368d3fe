package compaction

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"slices"
	"strings"

	"github.com/headroom-go/headroom/internal/jsonx"
)

// Config holds the compactor's knobs. Start from DefaultConfig: the zero
// Config turns every array of objects (even an empty one) into a table,
// never buckets, flattens nothing and writes no markers.
type Config struct {
	// Classify decides which strings become opaque markers.
	Classify ClassifyConfig
	// MinItems is the smallest array the compactor considers.
	MinItems int
	// CoreFieldFraction: a key present in at least ceil(n × this) rows is
	// a core key.
	CoreFieldFraction float64
	// HeterogeneousCoreRatio: when the share of core keys among all keys is
	// below this, the compactor looks for a discriminator to bucket by
	// (and falls back to a sparse table when none is found).
	HeterogeneousCoreRatio float64
	// MaxFlattenInnerKeys is the widest nested object flattened into
	// "parent.key" columns; wider ones stay single JSON cells.
	MaxFlattenInnerKeys int
	// MinBuckets and MaxBuckets bound the distinct values a discriminator
	// may have.
	MinBuckets, MaxBuckets int
}

// Reference defaults (CompactConfig::default) and the fixed share above
// which a discriminator looks like an ID rather than a category.
const (
	defaultMinItems               = 2
	defaultCoreFieldFraction      = 0.8
	defaultHeterogeneousCoreRatio = 0.6
	defaultMaxFlattenInnerKeys    = 6
	defaultMinBuckets             = 2
	defaultMaxBuckets             = 8
	maxDiscriminatorUniqueShare   = 0.7
	// minNestedItems is how many objects an inner array needs before it is
	// compacted on its own rather than kept as one JSON cell.
	minNestedItems = 2
)

// DefaultConfig returns the reference defaults: 2 items, 0.8 core
// fraction, 0.6 heterogeneous ratio, 6 flattened keys, 2..8 buckets.
func DefaultConfig() Config {
	return Config{
		Classify:               DefaultClassifyConfig(),
		MinItems:               defaultMinItems,
		CoreFieldFraction:      defaultCoreFieldFraction,
		HeterogeneousCoreRatio: defaultHeterogeneousCoreRatio,
		MaxFlattenInnerKeys:    defaultMaxFlattenInnerKeys,
		MinBuckets:             defaultMinBuckets,
		MaxBuckets:             defaultMaxBuckets,
	}
}

// Hash is the key of an opaque payload: the first 12 hex digits of its
// SHA-256 (spec reference-core.md §1.8), the same in the marker and in the
// store.
func Hash(payload string) string {
	sum := sha256.Sum256([]byte(payload))
	return hex.EncodeToString(sum[:6])
}

// Compact compacts items. It declines (Shape Untouched, Value holding the
// array) when there are fewer than cfg.MinItems items or any item is not
// an object. Opaque strings become references whose Payload the caller
// must store (see StoreRefs) before showing the rendered markers to
// anyone. Compact is deterministic and does not modify items.
func Compact(items []jsonx.Value, cfg *Config) *Compaction {
	c := new(Compaction)
	compactInto(c, items, cfg)
	return c
}

func compactInto(c *Compaction, items []jsonx.Value, cfg *Config) {
	if len(items) < cfg.MinItems || !allObjects(items) {
		*c = Compaction{Shape: Untouched, Value: jsonx.ArrayValue(items)}
		return
	}
	freqs := keyFrequencies(items)
	n := len(items)
	coreThreshold := int(math.Ceil(float64(n) * cfg.CoreFieldFraction))
	core := 0
	for _, kf := range freqs {
		if kf.n >= coreThreshold {
			core++
		}
	}
	coreRatio := 1.0
	if len(freqs) > 0 {
		coreRatio = float64(core) / float64(len(freqs))
	}
	if coreRatio < cfg.HeterogeneousCoreRatio {
		if disc, ok := discriminator(items, freqs, cfg); ok {
			bucketBy(c, items, disc, cfg)
			return
		}
		// No clean split: a sparse table still keeps every field, which
		// beats handing the array to the lossy path.
	}
	buildTable(c, items, freqs, cfg)
}

func allObjects(items []jsonx.Value) bool {
	for i := range items {
		if items[i].Kind() != jsonx.Object {
			return false
		}
	}
	return true
}

type keyFreq struct {
	key string
	n   int
}

// keyFrequencies counts in how many items each key appears, in ascending
// byte order of the key (the order discriminator candidates are tried in).
func keyFrequencies(items []jsonx.Value) []keyFreq {
	index := make(map[string]int)
	var freqs []keyFreq
	for i := range items {
		for _, m := range items[i].Members() {
			if j, ok := index[m.Key]; ok {
				freqs[j].n++
				continue
			}
			index[m.Key] = len(freqs)
			freqs = append(freqs, keyFreq{m.Key, 1})
		}
	}
	slices.SortFunc(freqs, func(a, b keyFreq) int { return strings.Compare(a.key, b.key) })
	return freqs
}

func buildTable(c *Compaction, items []jsonx.Value, freqs []keyFreq, cfg *Config) {
	cols := slices.Clone(freqs)
	// Most frequent first, then by key (freqs is already key-sorted, and
	// the sort is stable).
	slices.SortStableFunc(cols, func(a, b keyFreq) int { return cmp.Compare(b.n, a.n) })
	n := len(items)
	fields := make([]Field, len(cols))
	for j, kf := range cols {
		fields[j] = Field{Name: kf.key, Type: columnType(items, kf.key), Nullable: kf.n < n || hasNull(items, kf.key)}
	}
	width := len(cols)
	flat := make([]Cell, n*width)
	rows := make([]Row, n)
	for i := range items {
		row := flat[i*width : (i+1)*width : (i+1)*width]
		fillRow(row, items[i], cols, cfg)
		rows[i] = row
	}
	fields, rows = flatten(fields, rows, cfg.MaxFlattenInnerKeys)
	*c = Compaction{Shape: Table, Total: n, Fields: fields, Rows: rows}
}

// fillRow fills one row. Objects are small, so for each column the
// members are scanned; a later duplicate key cannot occur (the parser
// keeps one member per key).
func fillRow(row Row, item jsonx.Value, cols []keyFreq, cfg *Config) {
	members := item.Members()
	for j := range cols {
		v, ok := lookup(members, cols[j].key, j)
		if !ok {
			continue // zero Cell is Missing
		}
		row[j] = cellFor(v, cfg)
	}
}

// lookup finds key in members, trying position hint first: rows usually
// share their key order with the column order.
func lookup(members []jsonx.Member, key string, hint int) (jsonx.Value, bool) {
	if hint < len(members) && members[hint].Key == key {
		return members[hint].Value, true
	}
	for i := range members {
		if members[i].Key == key {
			return members[i].Value, true
		}
	}
	return jsonx.Value{}, false
}

func cellFor(v jsonx.Value, cfg *Config) Cell {
	cl := Classify(v, &cfg.Classify)
	switch cl.Class {
	case ClassArray:
		if inner := v.Items(); isObjectList(inner) {
			return nestedCell(inner, cfg)
		}
	case ClassStringifiedJSON:
		if cl.Parsed.Kind() == jsonx.Array && isObjectList(cl.Parsed.Items()) {
			return nestedCell(cl.Parsed.Items(), cfg)
		}
		// The parsed value renders without the string's escaping.
		return Cell{Kind: CellScalar, Value: cl.Parsed}
	case ClassOpaque:
		s, _ := v.Str()
		return Cell{Kind: CellOpaque, Ref: &OpaqueRef{Hash: Hash(s), Size: len(s), Kind: cl.Kind, Payload: s}}
	}
	// Scalars and objects (a later flatten pass may split objects).
	return Cell{Kind: CellScalar, Value: v}
}

func isObjectList(items []jsonx.Value) bool {
	return len(items) >= minNestedItems && allObjects(items)
}

func nestedCell(items []jsonx.Value, cfg *Config) Cell {
	sub := new(Compaction)
	compactInto(sub, items, cfg)
	return Cell{Kind: CellNested, Nested: sub}
}

// typeTag is the column type of one non-null value.
func typeTag(v jsonx.Value) string {
	switch v.Kind() {
	case jsonx.Null:
		return "null"
	case jsonx.Bool:
		return "bool"
	case jsonx.Number:
		if lit, _ := v.Literal(); isIntegerLiteral(lit) {
			return "int"
		}
		return "float"
	case jsonx.String:
		return "string"
	}
	return "json"
}

// isIntegerLiteral reports whether a JSON number literal is an integer in
// the range of int64 or uint64 (serde_json's is_i64 || is_u64). It is
// jsonx.Value.IsInteger without strconv, whose errors allocate on every
// float literal of a column.
func isIntegerLiteral(lit string) bool {
	limit := "18446744073709551615" // uint64 max
	digits := lit
	if strings.HasPrefix(lit, "-") {
		limit, digits = "9223372036854775808", lit[1:] // -int64 min
	}
	if digits == "" || len(digits) > len(limit) {
		return false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
	}
	return len(digits) < len(limit) || digits <= limit
}

// columnType is the tag of the first non-null value of key, or "json" as
// soon as a later one disagrees; "string" when there is none.
func columnType(items []jsonx.Value, key string) string {
	tag := ""
	for i := range items {
		v, ok := items[i].Get(key)
		if !ok || v.IsNull() {
			continue
		}
		t := typeTag(v)
		if tag == "" {
			tag = t
		} else if t != tag {
			return "json"
		}
	}
	if tag == "" {
		return "string"
	}
	return tag
}

func hasNull(items []jsonx.Value, key string) bool {
	for i := range items {
		if v, ok := items[i].Get(key); ok && v.IsNull() {
			return true
		}
	}
	return false
}

// flatten replaces each column whose present cells are all objects with
// the same keys in the same order (at most maxInner of them) by one
// "parent.key" column per inner key. Columns already dotted are left
// alone, so only one level is flattened.
func flatten(fields []Field, rows []Row, maxInner int) ([]Field, []Row) {
	for i := 0; i < len(fields); {
		inner, ok := uniformKeys(fields[i].Name, rows, i)
		if !ok || len(inner) == 0 || len(inner) > maxInner {
			i++
			continue
		}
		parent := fields[i].Name
		add := make([]Field, len(inner))
		for k, key := range inner {
			add[k] = Field{Name: parent + "." + key}
		}
		fields = slices.Replace(fields, i, i+1, add...)
		rows = expandColumn(rows, i, inner)
		for k := range inner {
			fields[i+k].Type, fields[i+k].Nullable = cellsType(rows, i+k)
		}
		i += len(inner)
	}
	return fields, rows
}

// uniformKeys returns the key list shared by every present cell of column
// col, which must all be objects (at least one).
func uniformKeys(name string, rows []Row, col int) ([]string, bool) {
	if strings.Contains(name, ".") {
		return nil, false
	}
	var keys []jsonx.Member
	seen := false
	for _, row := range rows {
		cell := row[col]
		switch {
		case cell.Kind == CellMissing:
			continue
		case cell.Kind == CellScalar && cell.Value.Kind() == jsonx.Object:
			m := cell.Value.Members()
			if !seen {
				keys, seen = m, true
				continue
			}
			if len(m) != len(keys) {
				return nil, false
			}
			for k := range m {
				if m[k].Key != keys[k].Key {
					return nil, false
				}
			}
		default:
			return nil, false
		}
	}
	if !seen {
		return nil, false
	}
	out := make([]string, len(keys))
	for k := range keys {
		out[k] = keys[k].Key
	}
	return out, true
}

// expandColumn returns rows with column col replaced by one scalar cell
// per inner key (Missing where the whole object was missing). Inner values
// are not classified again: a long string inside stays verbatim.
func expandColumn(rows []Row, col int, inner []string) []Row {
	if len(rows) == 0 {
		return rows
	}
	oldW := len(rows[0])
	newW := oldW - 1 + len(inner)
	flat := make([]Cell, len(rows)*newW)
	out := make([]Row, len(rows))
	for r, row := range rows {
		nr := flat[r*newW : (r+1)*newW : (r+1)*newW]
		copy(nr, row[:col])
		copy(nr[col+len(inner):], row[col+1:])
		if cell := row[col]; cell.Kind == CellScalar {
			members := cell.Value.Members()
			for k, key := range inner {
				if v, ok := lookup(members, key, k); ok {
					nr[col+k] = Cell{Kind: CellScalar, Value: v}
				}
			}
		}
		out[r] = nr
	}
	return out
}

// cellsType infers a flattened column's type and nullability from its
// cells: Missing or null make it nullable; differing types make it "json".
func cellsType(rows []Row, col int) (string, bool) {
	tag, seen, nullable := "string", false, false
	for _, row := range rows {
		cell := row[col]
		switch {
		case cell.Kind == CellMissing, cell.Kind == CellScalar && cell.Value.IsNull():
			nullable = true
		case cell.Kind == CellScalar:
			t := typeTag(cell.Value)
			if !seen {
				tag, seen = t, true
			} else if t != tag {
				tag = "json"
			}
		default:
			tag = "json"
		}
	}
	return tag, nullable
}

// discriminator picks the key to bucket a heterogeneous array by: present
// in every item with a string value, 2..MaxBuckets distinct values (and
// not so many that it looks like an ID). More distinct values win; ties
// go to the first key in byte order.
func discriminator(items []jsonx.Value, freqs []keyFreq, cfg *Config) (string, bool) {
	n := len(items)
	best, bestN := "", 0
	distinct := make(map[string]struct{})
	for _, kf := range freqs {
		if kf.n < n {
			continue
		}
		clear(distinct)
		allStrings := true
		for i := range items {
			v, _ := items[i].Get(kf.key)
			s, ok := v.Str()
			if !ok {
				allStrings = false
				break
			}
			distinct[s] = struct{}{}
		}
		d := len(distinct)
		if !allStrings || d < cfg.MinBuckets || d > cfg.MaxBuckets {
			continue
		}
		if float64(d)/float64(n) > maxDiscriminatorUniqueShare {
			continue
		}
		if bestN == 0 || d > bestN {
			best, bestN = kf.key, d
		}
	}
	return best, bestN > 0
}

// bucketBy groups items by their discriminator value (ascending byte
// order) and compacts each group; a group that does not become a table is
// kept as a one-column "value" table of its raw items.
func bucketBy(c *Compaction, items []jsonx.Value, disc string, cfg *Config) {
	index := make(map[string]int)
	var keys []string
	var groups [][]jsonx.Value
	for i := range items {
		v, _ := items[i].Get(disc)
		s, _ := v.Str()
		g, ok := index[s]
		if !ok {
			g = len(groups)
			index[s] = g
			keys = append(keys, s)
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], items[i])
	}
	order := make([]int, len(keys))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
	buckets := make([]Bucket, len(order))
	for bi, g := range order {
		var sub Compaction
		compactInto(&sub, groups[g], cfg)
		if sub.Shape == Table {
			buckets[bi] = Bucket{Key: keys[g], Fields: sub.Fields, Rows: sub.Rows}
			continue
		}
		rows := make([]Row, len(groups[g]))
		flat := make([]Cell, len(groups[g]))
		for r, it := range groups[g] {
			flat[r] = Cell{Kind: CellScalar, Value: it}
			rows[r] = flat[r : r+1 : r+1]
		}
		buckets[bi] = Bucket{Key: keys[g], Fields: []Field{{Name: "value", Type: "json"}}, Rows: rows}
	}
	*c = Compaction{Shape: Buckets, Total: len(items), Discriminator: disc, Buckets: buckets}
}
