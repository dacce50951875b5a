package parser

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"path"
	"strings"

	"github.com/emersion/go-message/mail"
	"github.com/xuri/excelize/v2"
)

// Bounds on reading an attached document: a registration form is a few
// kilobytes of text, so a larger document or one that unpacks to more
// (a zip bomb) is read only up to these.
const (
	maxDocBytes       = 10 << 20 // an attachment's encoded size read
	maxDocXMLBytes    = 8 << 20  // the document XML unpacked
	maxDocTextBytes   = 64 << 10 // text kept from a document
	maxSheets         = 10
	maxRowsPerSheet   = 500
	maxCellsPerRow    = 30
	maxDocsPerMail    = 5
	docKindDocx       = "docx"
	docKindXlsx       = "xlsx"
	docKindUnreadable = "unreadable"
)

// attachment is a document attached to a mail that may hold the
// registration form.
type attachment struct {
	name string
	kind string // docKindDocx, docKindXlsx, or docKindUnreadable (PDF, .doc, …)
	text string // the document's text, for docx and xlsx
}

// attachmentKind tells from a part's media type and file name whether the
// parser reads it (docx, xlsx), leaves it for a person (a document it
// cannot read: PDF, .doc, .odt, .rtf), or ignores it ("": images, logos,
// calendars).
func attachmentKind(mediaType, name string) string {
	ext := strings.ToLower(path.Ext(name))
	switch {
	case ext == ".docx" || mediaType == "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
		return docKindDocx
	case ext == ".xlsx" || mediaType == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
		return docKindXlsx
	case ext == ".pdf" || ext == ".doc" || ext == ".odt" || ext == ".rtf" || ext == ".xls" || ext == ".ods" ||
		mediaType == "application/pdf" || mediaType == "application/msword":
		return docKindUnreadable
	}
	return ""
}

// ReadsDocument reports whether the parser reads an attached document of
// this media type or file name for the registration form (.docx, .xlsx),
// so the mailbox fetches it even from a large mail (up to
// MaxDocumentBytes).
func ReadsDocument(mediaType, name string) bool {
	k := attachmentKind(mediaType, name)
	return k == docKindDocx || k == docKindXlsx
}

// MaxDocumentBytes is how much of one attached document the parser reads.
const MaxDocumentBytes = maxDocBytes

// omittedDocuments names the attached documents that may hold the form
// but were left on the server (X-Seniorbot-Omitted, written by the
// mailbox for a large mail: "part 2; name; media/type; N bytes"): the
// parser cannot read them, so a person must — the mail is never answered
// as if nothing had been sent.
func omittedDocuments(h mail.Header) []attachment {
	var out []attachment
	for _, v := range h.Values("X-Seniorbot-Omitted") {
		f := strings.Split(v, "; ")
		if len(f) < 3 {
			continue
		}
		name := f[1]
		if dec, err := new(mime.WordDecoder).DecodeHeader(name); err == nil {
			name = dec
		}
		if attachmentKind(strings.ToLower(f[2]), name) != "" {
			out = append(out, attachment{name: name, kind: docKindUnreadable})
		}
	}
	return out
}

// readAttachment extracts the text of an attached document. A document
// that cannot be read becomes docKindUnreadable, so a person looks at it.
func readAttachment(kind, name string, b []byte) attachment {
	a := attachment{name: name, kind: kind}
	var err error
	switch kind {
	case docKindDocx:
		a.text, err = docxText(b)
	case docKindXlsx:
		a.text, err = xlsxText(b)
	}
	if err != nil || kind != docKindUnreadable && strings.TrimSpace(a.text) == "" {
		a.kind, a.text = docKindUnreadable, ""
	}
	return a
}

// errNoDocument is returned for a zip without a Word document.
var errNoDocument = errors.New("parser: no word/document.xml in the .docx")

// docxText returns the text of a Word document: one line per paragraph,
// table rows as lines with their cells separated by tabs (paragraphs
// inside a cell joined by spaces), as the form reader expects.
func docxText(b []byte) (string, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return "", err
	}
	for _, f := range zr.File {
		if f.Name != "word/document.xml" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return "", err
		}
		defer rc.Close()
		return wordXMLText(io.LimitReader(rc, maxDocXMLBytes))
	}
	return "", errNoDocument
}

// wordXMLText renders WordprocessingML as text.
func wordXMLText(r io.Reader) (string, error) {
	d := xml.NewDecoder(r)
	d.Strict = false
	var out strings.Builder
	cell := 0 // depth of table cells
	inText := false
	for out.Len() < maxDocTextBytes {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return out.String(), nil // keep what was read before the damage
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "t":
				inText = true
			case "tab":
				out.WriteByte(' ')
			case "br", "cr":
				out.WriteString(lineOrSpace(cell))
			case "tc":
				cell++
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				out.WriteString(lineOrSpace(cell))
			case "tc":
				cell = max(cell-1, 0)
				trimTrailingSpace(&out)
				out.WriteByte('\t')
			case "tr":
				trimTrailingSpace(&out)
				out.WriteByte('\n')
			}
		case xml.CharData:
			if inText {
				out.Write(t)
			}
		}
	}
	return cleanDocText(out.String()), nil
}

// lineOrSpace ends a paragraph: a line outside tables, a space in a cell.
func lineOrSpace(cell int) string {
	if cell > 0 {
		return " "
	}
	return "\n"
}

// trimTrailingSpace drops spaces and tabs ending b.
func trimTrailingSpace(b *strings.Builder) {
	s := strings.TrimRight(b.String(), " \t")
	if len(s) != b.Len() {
		b.Reset()
		b.WriteString(s)
	}
}

// cleanDocText trims each line of a document's text and bounds it.
func cleanDocText(s string) string {
	if len(s) > maxDocTextBytes {
		s = s[:maxDocTextBytes]
	}
	lines := strings.Split(strings.ToValidUTF8(s, ""), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(cleanLine(l), "\t")
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// xlsxText returns the text of a workbook: each row a line, its cells
// separated by tabs (the shape of a pasted Excel range). excelize is
// third-party code fed untrusted bytes, so a panic inside it becomes an
// error here rather than losing the whole mail.
func xlsxText(b []byte) (text string, err error) {
	defer func() {
		if v := recover(); v != nil {
			text, err = "", fmt.Errorf("parser: xlsx: %v", v)
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{
		UnzipSizeLimit: maxDocXMLBytes * 2, UnzipXMLSizeLimit: maxDocXMLBytes,
	})
	if err != nil {
		return "", err
	}
	defer f.Close()
	var out strings.Builder
	for i, sheet := range f.GetSheetList() {
		if i >= maxSheets || out.Len() >= maxDocTextBytes {
			break
		}
		rows, err := f.Rows(sheet)
		if err != nil {
			continue
		}
		writeRows(&out, rows)
		rows.Close()
		out.WriteByte('\n')
	}
	return cleanDocText(out.String()), nil
}

// writeRows writes the rows of one sheet, blank rows as blank lines.
func writeRows(out *strings.Builder, rows *excelize.Rows) {
	for n := 0; n < maxRowsPerSheet && out.Len() < maxDocTextBytes && rows.Next(); n++ {
		cells, err := rows.Columns()
		if err != nil {
			return
		}
		if len(cells) > maxCellsPerRow {
			cells = cells[:maxCellsPerRow]
		}
		for i, c := range cells {
			cells[i] = strings.Join(strings.Fields(c), " ")
		}
		out.WriteString(strings.TrimRight(strings.Join(cells, "\t"), "\t"))
		out.WriteByte('\n')
	}
}
