package compaction

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/internal/pycompat"
)

// Formatter renders a Compaction. Implementations are deterministic and
// safe for concurrent use; they never render an OpaqueRef's Payload.
type Formatter interface {
	// Name is the formatter's stable name: "csv-schema", "json" or
	// "markdown-kv" for the built-ins.
	Name() string
	// AppendFormat appends the rendering of c to dst.
	AppendFormat(dst []byte, c *Compaction) []byte
}

// Format returns f's rendering of c as a string.
func Format(f Formatter, c *Compaction) string { return string(f.AppendFormat(nil, c)) }

// FormatterByName returns the built-in formatter called name ("csv-schema",
// "json", "markdown-kv") with default options.
func FormatterByName(name string) (Formatter, bool) {
	switch name {
	case CSVSchema{}.Name():
		return CSVSchema{}, true
	case JSON{}.Name():
		return JSON{}, true
	case MarkdownKV{}.Name():
		return MarkdownKV{}, true
	}
	return nil, false
}

// FormatterNames lists the names FormatterByName accepts.
func FormatterNames() []string { return []string{"csv-schema", "json", "markdown-kv"} }

// AppendMarker appends "<<ccr:HASH,KIND,SIZE>>", the marker every
// formatter (and SmartCrusher's string pass) writes for an opaque payload
// of size bytes.
func AppendMarker(dst []byte, hash string, kind OpaqueKind, size int) []byte {
	dst = append(dst, "<<ccr:"...)
	dst = append(dst, hash...)
	dst = append(dst, ',')
	dst = append(dst, kind...)
	dst = append(dst, ',')
	dst = AppendHumanSize(dst, size)
	return append(dst, ">>"...)
}

// AppendHumanSize appends a byte count the way markers show it: "512B"
// below 1 KiB, then "1.5KB" below 1 MiB, then "2.0MB" (one decimal,
// correctly rounded).
func AppendHumanSize(dst []byte, n int) []byte {
	const kib = 1024
	if n < kib {
		dst = strconv.AppendInt(dst, int64(n), 10)
		return append(dst, 'B')
	}
	kb := float64(n) / kib
	if kb < kib {
		return append(pycompat.AppendRustFixed(dst, kb, 1), "KB"...)
	}
	return append(pycompat.AppendRustFixed(dst, kb/kib, 1), "MB"...)
}

// ---- JSON ----

// JSON renders a Compaction as one compact JSON object:
// {"_compaction":"table","_schema":[{"name":…,"type":…}],"_kept":N,
// "_total":N,"_rows":[[…]]}, a "buckets" object with "_discriminator" and
// "_buckets", or a "ccr" object. Missing cells are null and opaque cells
// {"_ccr":HASH,"_size":N,"_kind":KIND}. An Untouched compaction renders as
// its original array.
type JSON struct{}

// Name implements Formatter.
func (JSON) Name() string { return "json" }

// AppendFormat implements Formatter.
func (JSON) AppendFormat(dst []byte, c *Compaction) []byte { return appendJSON(dst, c) }

func appendJSON(dst []byte, c *Compaction) []byte {
	switch c.Shape {
	case Table:
		dst = append(dst, `{"_compaction":"table","_schema":`...)
		dst = appendJSONSchema(dst, c.Fields)
		dst = append(dst, `,"_kept":`...)
		dst = strconv.AppendInt(dst, int64(len(c.Rows)), 10)
		dst = append(dst, `,"_total":`...)
		dst = strconv.AppendInt(dst, int64(c.Total), 10)
		dst = append(dst, `,"_rows":`...)
		dst = appendJSONRows(dst, c.Rows)
		return append(dst, '}')
	case Buckets:
		dst = append(dst, `{"_compaction":"buckets","_discriminator":`...)
		dst = jsonx.AppendCompactString(dst, c.Discriminator)
		dst = append(dst, `,"_total":`...)
		dst = strconv.AppendInt(dst, int64(c.Total), 10)
		dst = append(dst, `,"_buckets":[`...)
		for i := range c.Buckets {
			b := &c.Buckets[i]
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"_key":`...)
			dst = jsonx.AppendCompactString(dst, b.Key)
			dst = append(dst, `,"_schema":`...)
			dst = appendJSONSchema(dst, b.Fields)
			dst = append(dst, `,"_rows":`...)
			dst = appendJSONRows(dst, b.Rows)
			dst = append(dst, '}')
		}
		return append(dst, "]}"...)
	case Opaque:
		dst = append(dst, `{"_compaction":"ccr","_hash":`...)
		return appendJSONRefTail(dst, c.Ref)
	}
	return jsonx.AppendCompact(dst, c.Value)
}

func appendJSONSchema(dst []byte, fields []Field) []byte {
	dst = append(dst, '[')
	for i := range fields {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"name":`...)
		dst = jsonx.AppendCompactString(dst, fields[i].Name)
		dst = append(dst, `,"type":`...)
		dst = jsonx.AppendCompactString(dst, fields[i].Type)
		if fields[i].Nullable {
			dst = append(dst, `,"nullable":true`...)
		}
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

func appendJSONRows(dst []byte, rows []Row) []byte {
	dst = append(dst, '[')
	for r, row := range rows {
		if r > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '[')
		for i := range row {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONCell(dst, &row[i])
		}
		dst = append(dst, ']')
	}
	return append(dst, ']')
}

func appendJSONCell(dst []byte, cell *Cell) []byte {
	switch cell.Kind {
	case CellScalar:
		return jsonx.AppendCompact(dst, cell.Value)
	case CellNested:
		if cell.Nested != nil {
			return appendJSON(dst, cell.Nested)
		}
	case CellOpaque:
		dst = append(dst, `{"_ccr":`...)
		return appendJSONRefTail(dst, cell.Ref)
	}
	return append(dst, "null"...)
}

// appendJSONRefTail writes `HASH,"_size":N,"_kind":KIND}` after a key.
func appendJSONRefTail(dst []byte, r *OpaqueRef) []byte {
	if r == nil {
		r = &OpaqueRef{}
	}
	dst = jsonx.AppendCompactString(dst, r.Hash)
	dst = append(dst, `,"_size":`...)
	dst = strconv.AppendInt(dst, int64(r.Size), 10)
	dst = append(dst, `,"_kind":`...)
	dst = jsonx.AppendCompactString(dst, string(r.Kind))
	return append(dst, '}')
}

// ---- CSV + schema ----

// CSVSchema renders a table as a declaration line "[N]{name:type,…}"
// (a "?" after the type of a nullable column) followed by one CSV line per
// row, every line ending in "\n". Strings holding ',', '"', '\n' or '\r'
// are quoted with '"' doubled; missing cells and null are empty; nested
// compactions are their JSON rendering, quoted; opaque cells are markers.
// Buckets render as "__buckets:FIELD" and then "__key:VALUE" plus a table
// per bucket. It is the default formatter: every model has read a lot of
// CSV.
type CSVSchema struct {
	// DropSummary appends " __dropped:K" to declaration lines of tables
	// that lost K rows (never the case for Compact's own output).
	DropSummary bool
}

// Name implements Formatter.
func (CSVSchema) Name() string { return "csv-schema" }

// AppendFormat implements Formatter.
func (f CSVSchema) AppendFormat(dst []byte, c *Compaction) []byte {
	return appendLineFormat(dst, c, f.DropSummary, appendCSVString, f.appendTable)
}

// appendLineFormat is AppendFormat for the line-oriented formatters
// (CSVSchema, MarkdownKV): they share the buckets layout, opaque markers
// and the JSON fallback, and differ only in how a bucket key is quoted
// (quoteKey) and how a table is written (table).
func appendLineFormat(dst []byte, c *Compaction, summary bool,
	quoteKey func([]byte, string) []byte,
	table func(dst []byte, fields []Field, rows []Row, total int) []byte,
) []byte {
	switch c.Shape {
	case Table:
		return table(dst, c.Fields, c.Rows, c.Total)
	case Buckets:
		dst = appendBucketsHeader(dst, c, summary)
		for i := range c.Buckets {
			b := &c.Buckets[i]
			dst = append(dst, "__key:"...)
			dst = quoteKey(dst, b.Key)
			dst = append(dst, '\n')
			dst = table(dst, b.Fields, b.Rows, len(b.Rows))
		}
		return dst
	case Opaque:
		return appendRefMarker(dst, c.Ref)
	}
	return jsonx.AppendCompact(dst, c.Value)
}

func appendBucketsHeader(dst []byte, c *Compaction, summary bool) []byte {
	dst = append(dst, "__buckets:"...)
	dst = append(dst, c.Discriminator...)
	if kept := c.KeptRows(); summary && kept < c.Total {
		dst = appendDropped(dst, c.Total-kept)
	}
	return append(dst, '\n')
}

func appendDropped(dst []byte, n int) []byte {
	dst = append(dst, " __dropped:"...)
	return strconv.AppendInt(dst, int64(n), 10)
}

func appendRefMarker(dst []byte, r *OpaqueRef) []byte {
	if r == nil {
		r = &OpaqueRef{}
	}
	return AppendMarker(dst, r.Hash, r.Kind, r.Size)
}

// appendDeclaration writes "[N]{name:type,name:type?,…}" plus the
// optional drop summary and the newline; quote, when set, rewrites names.
func appendDeclaration(dst []byte, fields []Field, rows, total int, summary bool, quote func([]byte, string) []byte) []byte {
	dst = append(dst, '[')
	dst = strconv.AppendInt(dst, int64(rows), 10)
	dst = append(dst, "]{"...)
	for i := range fields {
		if i > 0 {
			dst = append(dst, ',')
		}
		if quote != nil {
			dst = quote(dst, fields[i].Name)
		} else {
			dst = append(dst, fields[i].Name...)
		}
		dst = append(dst, ':')
		dst = append(dst, fields[i].Type...)
		if fields[i].Nullable {
			dst = append(dst, '?')
		}
	}
	dst = append(dst, '}')
	if summary && rows < total {
		dst = appendDropped(dst, total-rows)
	}
	return append(dst, '\n')
}

func (f CSVSchema) appendTable(dst []byte, fields []Field, rows []Row, total int) []byte {
	dst = appendDeclaration(dst, fields, len(rows), total, f.DropSummary, nil)
	for _, row := range rows {
		for i := range row {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendCSVCell(dst, &row[i])
		}
		dst = append(dst, '\n')
	}
	return dst
}

func appendCSVCell(dst []byte, cell *Cell) []byte {
	switch cell.Kind {
	case CellScalar:
		return appendCSVScalar(dst, cell.Value)
	case CellNested:
		if cell.Nested == nil {
			return dst
		}
		// The JSON rendering always holds commas and quotes, so it is
		// always quoted.
		start := len(dst)
		dst = appendJSON(dst, cell.Nested)
		return csvQuoteTail(dst, start)
	case CellOpaque:
		return appendRefMarker(dst, cell.Ref)
	}
	return dst
}

func appendCSVScalar(dst []byte, v jsonx.Value) []byte {
	switch v.Kind() {
	case jsonx.Null:
		return dst
	case jsonx.String:
		s, _ := v.Str()
		return appendCSVString(dst, s)
	case jsonx.Array, jsonx.Object:
		start := len(dst)
		dst = jsonx.AppendCompact(dst, v)
		return csvQuoteTail(dst, start)
	}
	return jsonx.AppendCompact(dst, v) // number literal, true, false
}

func appendCSVString(dst []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\n\r") {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		dst = append(dst, s[:i+1]...)
		dst = append(dst, '"')
		s = s[i+1:]
	}
	dst = append(dst, s...)
	return append(dst, '"')
}

// csvQuoteTail quotes dst[start:] in place: wraps it in '"' and doubles
// every '"' inside.
func csvQuoteTail(dst []byte, start int) []byte {
	quotes := 0
	for _, c := range dst[start:] {
		if c == '"' {
			quotes++
		}
	}
	end := len(dst)
	grow := quotes + 2
	dst = slices.Grow(dst, grow)[:end+grow]
	// Walk backwards so the unread text is never overwritten.
	w := len(dst) - 1
	dst[w] = '"'
	w--
	for r := end - 1; r >= start; r-- {
		dst[w] = dst[r]
		w--
		if dst[r] == '"' {
			dst[w] = '"'
			w--
		}
	}
	dst[w] = '"'
	return dst
}

// ---- Markdown key/value ----

// MarkdownKV renders a table as the CSVSchema declaration line followed by
// one Markdown list item per row: "- name: value" for the first present
// cell and "  name: value" for the rest (a bare "-" for a row with none).
// Missing cells are left out; null is "null"; strings that are empty, hold
// a line break or start or end with whitespace are JSON-quoted, as are
// such field names and names holding ": ". Nested compactions are their
// JSON rendering. It costs more tokens than CSV (names repeat per row),
// but models read values back from it more reliably.
type MarkdownKV struct {
	// DropSummary appends " __dropped:K" to declaration lines of tables
	// that lost K rows.
	DropSummary bool
}

// Name implements Formatter.
func (MarkdownKV) Name() string { return "markdown-kv" }

// AppendFormat implements Formatter.
func (f MarkdownKV) AppendFormat(dst []byte, c *Compaction) []byte {
	return appendLineFormat(dst, c, f.DropSummary, appendKVString, f.appendTable)
}

func (f MarkdownKV) appendTable(dst []byte, fields []Field, rows []Row, total int) []byte {
	dst = appendDeclaration(dst, fields, len(rows), total, f.DropSummary, appendKVName)
	for _, row := range rows {
		first := true
		// One cell per field; extra cells of a hand-built row are ignored.
		for i := range min(len(row), len(fields)) {
			cell := &row[i]
			if cell.Kind == CellMissing || (cell.Kind == CellNested && cell.Nested == nil) {
				continue
			}
			if first {
				dst = append(dst, "- "...)
			} else {
				dst = append(dst, "  "...)
			}
			first = false
			dst = appendKVName(dst, fields[i].Name)
			dst = append(dst, ": "...)
			switch cell.Kind {
			case CellScalar:
				dst = appendKVScalar(dst, cell.Value)
			case CellNested:
				dst = appendJSON(dst, cell.Nested)
			case CellOpaque:
				dst = appendRefMarker(dst, cell.Ref)
			}
			dst = append(dst, '\n')
		}
		if first {
			dst = append(dst, "-\n"...)
		}
	}
	return dst
}

func appendKVScalar(dst []byte, v jsonx.Value) []byte {
	if s, ok := v.Str(); ok {
		return appendKVString(dst, s)
	}
	return jsonx.AppendCompact(dst, v) // null, bools, numbers, containers
}

func appendKVString(dst []byte, s string) []byte {
	if kvNeedsQuote(s) {
		return jsonx.AppendCompactString(dst, s)
	}
	return append(dst, s...)
}

func appendKVName(dst []byte, name string) []byte {
	if kvNeedsQuote(name) || strings.Contains(name, ": ") {
		return jsonx.AppendCompactString(dst, name)
	}
	return append(dst, name...)
}

func kvNeedsQuote(s string) bool {
	if s == "" || strings.ContainsAny(s, "\n\r") {
		return true
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	return unicode.IsSpace(first) || unicode.IsSpace(last)
}
