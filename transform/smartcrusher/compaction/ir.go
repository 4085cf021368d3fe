// Package compaction is SmartCrusher's lossless stage: an array of JSON
// objects becomes a table (one schema line, one line per row) instead of
// repeating every key in every row. Nothing is dropped; long opaque
// strings are replaced by "<<ccr:HASH,KIND,SIZE>>" markers whose payload
// the caller stores, so every byte stays retrievable.
//
// The stage has three parts that compose:
//
//   - Classify decides what a cell is (scalar, object, array, a string
//     holding JSON, or an opaque blob);
//   - Compact turns an array into a Compaction tree (a table, buckets of
//     tables split by a discriminator field, or Untouched when it declines);
//   - a Formatter renders the tree (CSVSchema, JSON or MarkdownKV).
//
// DocumentCompactor applies the three anywhere inside a JSON document.
// The behaviour follows the reference implementation (spec
// reference-core.md §7.14); no parity fixture covers it, so its own unit
// tests are the oracle the tests here re-derive.
package compaction

import (
	"iter"

	"github.com/headroom-go/headroom/internal/jsonx"
)

// OpaqueKind says what an opaque string looked like. It appears in the
// marker ("<<ccr:HASH,base64,2.0KB>>") so a model can judge whether the
// payload is worth retrieving without fetching it.
type OpaqueKind string

// The kinds Classify produces.
const (
	KindBase64     OpaqueKind = "base64"
	KindLongString OpaqueKind = "string"
	KindHTML       OpaqueKind = "html"
)

// OpaqueRef stands in for a string moved out of the prompt.
type OpaqueRef struct {
	Hash    string     // Hash(Payload): the first 12 hex digits of its SHA-256
	Size    int        // len(Payload) in bytes
	Kind    OpaqueKind // what the payload looked like
	Payload string     // the original string; formatters never render it
}

// Marker returns the marker formatters render for r.
func (r *OpaqueRef) Marker() string { return string(AppendMarker(nil, r.Hash, r.Kind, r.Size)) }

// Field is one column of a table.
type Field struct {
	// Name is the object key, or "parent.key" for a flattened nested
	// object.
	Name string
	// Type is "int", "float", "string", "bool" or "json" (cells of mixed
	// or container types).
	Type string
	// Nullable is set when some row lacks the key or holds null.
	Nullable bool
}

// CellKind says which member of a Cell is meaningful. The zero CellKind is
// CellMissing, so the zero Cell is an absent key.
type CellKind uint8

// The cell kinds.
const (
	// CellMissing: the row's object had no such key (distinct from a
	// present null, which is a CellScalar holding null).
	CellMissing CellKind = iota
	// CellScalar: Value is rendered as it is (objects and arrays that were
	// not compacted further render as compact JSON).
	CellScalar
	// CellNested: an array of objects compacted on its own into Nested.
	CellNested
	// CellOpaque: a long opaque string replaced by Ref.
	CellOpaque
)

// Cell is one value of a row.
type Cell struct {
	Kind   CellKind
	Value  jsonx.Value // CellScalar
	Nested *Compaction // CellNested
	Ref    *OpaqueRef  // CellOpaque
}

// Row is one table row; it has one cell per field of its table.
type Row []Cell

// Bucket is the table of the rows sharing one discriminator value.
type Bucket struct {
	Key    string // the discriminator value
	Fields []Field
	Rows   []Row
}

// Shape says what a Compaction holds. The zero Shape is Untouched.
type Shape uint8

// The shapes.
const (
	// Untouched: the compactor declined; Value is the original array.
	Untouched Shape = iota
	// Table: Fields and Rows.
	Table
	// Buckets: Discriminator and Buckets.
	Buckets
	// Opaque: the whole value is Ref. Compact never produces it at the
	// top; formatters still render it.
	Opaque
)

var shapeNames = [...]string{"untouched", "table", "buckets", "ccr"}

// String returns the shape's name as it appears in SmartCrusher's
// "lossless:<name>" strategy: "table", "buckets", "ccr" or "untouched".
func (s Shape) String() string {
	if int(s) < len(shapeNames) {
		return shapeNames[s]
	}
	return "untouched"
}

// Compaction is the result of compacting one array: a tree, because cells
// may hold compacted sub-arrays.
type Compaction struct {
	Shape Shape
	// Total is the row count before any row was dropped (Table, Buckets).
	// Compact never drops rows; the formatters' DropSummary reports the
	// difference for trees built by hand.
	Total int

	Fields []Field // Table
	Rows   []Row   // Table

	Discriminator string   // Buckets: the field the rows were split on
	Buckets       []Bucket // Buckets, in ascending byte order of Key

	Ref *OpaqueRef // Opaque

	Value jsonx.Value // Untouched: the array as given
}

// Compacted reports whether the compactor produced a new form (anything
// but Untouched).
func (c *Compaction) Compacted() bool { return c.Shape != Untouched }

// KeptRows is the number of rows in the tree's top level: table rows, or
// the sum over buckets; 0 for Untouched and Opaque.
func (c *Compaction) KeptRows() int {
	switch c.Shape {
	case Table:
		return len(c.Rows)
	case Buckets:
		n := 0
		for i := range c.Buckets {
			n += len(c.Buckets[i].Rows)
		}
		return n
	}
	return 0
}

// Refs iterates over every opaque reference in the tree, depth first in
// rendering order. The same payload may appear more than once.
func (c *Compaction) Refs() iter.Seq[*OpaqueRef] {
	return func(yield func(*OpaqueRef) bool) { c.refs(yield) }
}

func (c *Compaction) refs(yield func(*OpaqueRef) bool) bool {
	switch c.Shape {
	case Opaque:
		return c.Ref == nil || yield(c.Ref)
	case Table:
		return rowRefs(c.Rows, yield)
	case Buckets:
		for i := range c.Buckets {
			if !rowRefs(c.Buckets[i].Rows, yield) {
				return false
			}
		}
	}
	return true
}

func rowRefs(rows []Row, yield func(*OpaqueRef) bool) bool {
	for _, row := range rows {
		for i := range row {
			switch row[i].Kind {
			case CellOpaque:
				if row[i].Ref != nil && !yield(row[i].Ref) {
					return false
				}
			case CellNested:
				if row[i].Nested != nil && !row[i].Nested.refs(yield) {
					return false
				}
			}
		}
	}
	return true
}
