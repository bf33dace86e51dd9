package app

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// CatalogColumns are the columns of the catalog CSV, in the order the
// export writes them. An import may have them in any order and may leave
// out the optional ones; names are exact.
var CatalogColumns = []string{"sku", "name", "unit", "tax_rate", "category", "barcodes",
	"store_code", "price", "member_price", "reorder_point", "age_restricted", "active"}

// requiredColumns must be in every import header.
var requiredColumns = []string{"sku", "name", "unit", "tax_rate"}

// BarcodeSeparator separates the barcodes of one cell ("6901234567892|6901234567908").
const BarcodeSeparator = "|"

// maxRecordBytes bounds one CSV record. No catalog row comes near it; a
// file that does is not a catalog CSV (or has a quote that is never
// closed), and reading on would hold the rest of the file in memory.
const maxRecordBytes = 1 << 20

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// fileError refuses a file as a whole (its header, its encoding); the
// import fails with this message instead of reporting row errors.
type fileError struct{ msg string }

func (e *fileError) Error() string { return e.msg }

func fileErrorf(format string, args ...any) error {
	return &fileError{msg: fmt.Sprintf(format, args...)}
}

var errRecordTooLong = errors.New("record too long")

// columnsHelp is the column list every header error ends with.
func columnsHelp() string {
	return "the columns are " + strings.Join(CatalogColumns, ", ") + " (" + strings.Join(requiredColumns, ", ") +
		" required, any order, names exact, a header row first)"
}

// csvHeader maps column names to their index in each record.
type csvHeader struct {
	index map[string]int
	width int
}

func (h csvHeader) has(col string) bool { _, ok := h.index[col]; return ok }

func parseHeader(rec []string) (csvHeader, error) {
	h := csvHeader{index: make(map[string]int, len(rec)), width: len(rec)}
	for i, raw := range rec {
		name := strings.TrimSpace(raw)
		switch {
		case !utf8.ValidString(name):
			return h, fileErrorf("the header is not UTF-8 text; save the file as CSV UTF-8: %s", columnsHelp())
		case name == "":
			return h, fileErrorf("column %d of the header has no name: %s", i+1, columnsHelp())
		case !containsString(CatalogColumns, name):
			return h, fileErrorf("the header names an unknown column %q: %s", cut(name, 40), columnsHelp())
		case h.has(name):
			return h, fileErrorf("the header names column %q twice: %s", name, columnsHelp())
		}
		h.index[name] = i
	}
	var missing []string
	for _, c := range requiredColumns {
		if !h.has(c) {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return h, fileErrorf("the header lacks the required column(s) %s: %s", strings.Join(missing, ", "), columnsHelp())
	}
	return h, nil
}

// csvRecords reads a catalog CSV: a UTF-8 BOM is skipped, CRLF and LF line
// ends and RFC 4180 quoting are handled by encoding/csv, and the header is
// checked before the first record is handed out.
type csvRecords struct {
	cr       *csv.Reader
	guard    *recordGuard
	header   csvHeader
	lastLine int
}

// csvRecord is one outcome of reading: a record, or a row error for a
// line that could not be read as a record (broken quoting).
type csvRecord struct {
	Line   int
	Fields []string
	Err    *domain.ImportRowError
}

func openCSV(r io.Reader) (*csvRecords, error) {
	br := bufio.NewReader(r)
	if head, _ := br.Peek(len(utf8BOM)); bytes.Equal(head, utf8BOM) {
		_, _ = br.Discard(len(utf8BOM))
	}
	g := &recordGuard{r: br}
	cr := csv.NewReader(g)
	cr.FieldsPerRecord = -1 // counted against the header here, per line
	cr.ReuseRecord = true
	g.offset = cr.InputOffset
	s := &csvRecords{cr: cr, guard: g}
	rec, err := cr.Read()
	switch {
	case err == io.EOF:
		return nil, fileErrorf("the file is empty: it needs a header row: %s", columnsHelp())
	case errors.Is(err, errRecordTooLong):
		return nil, fileErrorf("the first line is longer than %d bytes: this is not a catalog CSV: %s", maxRecordBytes, columnsHelp())
	case errors.As(err, new(*csv.ParseError)):
		return nil, fileErrorf("the header row is not valid CSV (%v): %s", err, columnsHelp())
	case err != nil:
		return nil, err
	}
	s.lastLine, _ = cr.FieldPos(0)
	if s.header, err = parseHeader(rec); err != nil {
		return nil, err
	}
	return s, nil
}

// next returns the next record or row error; io.EOF at the end. Any other
// error ends the import: a fileError for a file that is not CSV, else the
// reader's own error (the database holding the upload is down: retry).
func (s *csvRecords) next() (csvRecord, error) {
	rec, err := s.cr.Read()
	var pe *csv.ParseError
	switch {
	case err == nil:
		line, _ := s.cr.FieldPos(0)
		s.lastLine = line
		return csvRecord{Line: line, Fields: rec}, nil
	case errors.As(err, &pe):
		s.lastLine = pe.Line
		return csvRecord{Line: pe.StartLine, Err: &domain.ImportRowError{Line: pe.StartLine, Message: quoteMessage(pe)}}, nil
	case errors.Is(err, errRecordTooLong):
		return csvRecord{}, fileErrorf("after line %d a record runs over %d bytes: a quote is never closed, or this is not a catalog CSV",
			s.lastLine, maxRecordBytes)
	}
	return csvRecord{}, err
}

func quoteMessage(pe *csv.ParseError) string {
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return fmt.Sprintf("line %d, column %d: a quote inside an unquoted field; quote the whole field and double the quote (\"\")", pe.Line, pe.Column)
	case errors.Is(pe.Err, csv.ErrQuote):
		return fmt.Sprintf("line %d, column %d: a quoted field is not closed, or a quote is followed by text; double quotes inside quoted fields (\"\")", pe.Line, pe.Column)
	}
	return fmt.Sprintf("line %d: not valid CSV: %v", pe.Line, pe.Err)
}

// recordGuard refuses to feed the CSV reader more than maxRecordBytes past
// the end of the last whole record, so memory stays bounded whatever the
// file holds.
type recordGuard struct {
	r      io.Reader
	n      int64
	offset func() int64
}

func (g *recordGuard) Read(p []byte) (int, error) {
	if g.offset != nil && g.n-g.offset() > maxRecordBytes {
		return 0, errRecordTooLong
	}
	n, err := g.r.Read(p)
	g.n += int64(n)
	return n, err
}

// ImportRow is one data row of a catalog CSV, parsed but not yet checked
// against the catalog. Optional columns missing from the header leave the
// stored value as it is (the default for a new product or item).
type ImportRow struct {
	Line      int
	SKU       string
	Patch     domain.ProductPatch
	Barcodes  []string
	StoreCode string
	Item      ItemColumns
}

// ItemColumns are the store item cells of a row; nil means "keep".
type ItemColumns struct {
	Price        *decimal.Decimal
	MemberPrice  **decimal.Decimal // set to a nil pointer: no member price
	ReorderPoint *decimal.Decimal
	Active       *bool
}

// parseRow reads the cells of one record. It checks the shape of each
// value (numbers, booleans, UTF-8, column count); the rules of products
// and store items are the domain constructors' (see checkRow).
func parseRow(h csvHeader, line int, rec []string) (ImportRow, domain.Fields) {
	row := ImportRow{Line: line}
	var fe domain.Fields
	if len(rec) != h.width {
		fe.Add("", "line %d has %d fields, the header has %d", line, len(rec), h.width)
		return row, fe
	}
	c := cells{vals: make(map[string]string, len(h.index)), fe: &fe}
	for _, col := range CatalogColumns { // in a fixed order, so errors come out in one
		i, ok := h.index[col]
		if !ok {
			continue
		}
		v := strings.TrimSpace(rec[i])
		if strings.Contains(v, "\r\n") { // a line break inside a quoted cell, from Windows
			v = strings.ReplaceAll(v, "\r\n", "\n")
		}
		if !utf8.ValidString(v) {
			fe.Add(col, "is not UTF-8 text; save the file as CSV UTF-8")
			continue
		}
		c.vals[col] = v
	}
	row.SKU = domain.NormalizeSKU(c.vals["sku"])
	for _, col := range requiredColumns {
		if v, ok := c.vals[col]; ok && v == "" {
			fe.Add(col, "is required")
		}
	}
	if v := c.vals["name"]; v != "" {
		v = unguardCell(v)
		row.Patch.Name = &v
	}
	if v := c.vals["unit"]; v != "" {
		u := domain.Unit(v)
		row.Patch.Unit = &u
	}
	if v := c.vals["tax_rate"]; v != "" {
		if d, err := decimal.NewFromString(v); err != nil || strings.ContainsAny(v, "eE") {
			fe.Add("tax_rate", "%q is not a rate: 0, 0.09 or 0.13", cut(v, 20))
		} else {
			row.Patch.TaxRate = &d
		}
	}
	// Product-wide flags from a blank cell keep what is stored: files
	// repeat a product once per store, and a later store row with blanks
	// must not clear age_restricted set on an earlier one (alcohol would
	// then skip the exit check).
	if v := c.vals["category"]; v != "" {
		v = unguardCell(v)
		row.Patch.Category = &v
	}
	// Bounded before any work per code: a cell of thousands of codes
	// would otherwise cost time and query parameters per code.
	if codes := strings.Split(c.vals["barcodes"], BarcodeSeparator); len(codes) > domain.MaxBarcodesPerProduct {
		fe.Add("barcodes", "at most %d barcodes per product", domain.MaxBarcodesPerProduct)
	} else {
		for _, code := range codes {
			if code = strings.TrimSpace(code); code != "" {
				row.Barcodes = append(row.Barcodes, code)
			}
		}
	}
	row.StoreCode = c.vals["store_code"]
	row.Item.Price = c.decimal("price", nil)
	if _, ok := c.vals["member_price"]; ok {
		m := c.decimal("member_price", nil)
		row.Item.MemberPrice = &m
	}
	zero := decimal.Zero
	row.Item.ReorderPoint = c.decimal("reorder_point", &zero)
	if row.StoreCode == "" && (row.Item.Price != nil || (row.Item.MemberPrice != nil && *row.Item.MemberPrice != nil) ||
		(row.Item.ReorderPoint != nil && !row.Item.ReorderPoint.IsZero())) {
		fe.Add("store_code", "is required when price, member_price or reorder_point is given")
	}
	if c.vals["age_restricted"] != "" {
		row.Patch.AgeRestricted = c.bool("age_restricted", false)
	}
	if active := c.bool("active", true); row.StoreCode != "" {
		row.Item.Active = active // a store row's active is the store item's
	} else {
		row.Patch.Active = active
	}
	return row, fe
}

// cells are the valid UTF-8 cells of a record by column; absent columns
// (and cells that were not UTF-8) are missing.
type cells struct {
	vals map[string]string
	fe   *domain.Fields
}

// decimal reads a decimal cell: nil when the column is absent, empty when
// the cell is empty. Exponents ("1e3") are refused: nobody means them.
func (c cells) decimal(col string, empty *decimal.Decimal) *decimal.Decimal {
	v, ok := c.vals[col]
	switch {
	case !ok:
		return nil
	case v == "":
		return empty
	}
	d, err := decimal.NewFromString(v)
	if err != nil || strings.ContainsAny(v, "eE") {
		c.fe.Add(col, "%q is not a number such as 12.30", cut(v, 20))
		return nil
	}
	return &d
}

// bool reads true/false (also 1/0, yes/no); an empty cell is def.
func (c cells) bool(col string, def bool) *bool {
	v, ok := c.vals[col]
	if !ok {
		return nil
	}
	b := def
	switch strings.ToLower(v) {
	case "":
	case "yes", "y":
		b = true
	case "no", "n":
		b = false
	default:
		var err error
		if b, err = strconv.ParseBool(v); err != nil {
			c.fe.Add(col, "%q is not true or false", cut(v, 20))
			return nil
		}
	}
	return &b
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// cut shortens user text quoted in a message.
func cut(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "..."
	}
	return s
}
