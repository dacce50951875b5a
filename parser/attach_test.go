package parser

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// wordDoc builds a minimal .docx whose body is the given WordprocessingML.
func wordDoc(t testing.TB, body string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("word/document.xml")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` +
		body + `</w:body></w:document>`))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// para is a Word paragraph of runs.
func para(runs ...string) string {
	var b strings.Builder
	b.WriteString("<w:p>")
	for _, r := range runs {
		b.WriteString(`<w:r><w:t xml:space="preserve">` + r + "</w:t></w:r>")
	}
	return b.String() + "</w:p>"
}

// row is a Word table row whose cells each hold the given paragraphs
// (cells separated by "|", paragraphs in a cell by "/").
func row(cells string) string {
	var b strings.Builder
	b.WriteString("<w:tr>")
	for _, c := range strings.Split(cells, "|") {
		b.WriteString("<w:tc>")
		for _, p := range strings.Split(c, "/") {
			b.WriteString(para(p))
		}
		b.WriteString("</w:tc>")
	}
	return b.String() + "</w:tr>"
}

func TestDocxText(t *testing.T) {
	doc := wordDoc(t, para("Kommune: ", "Vejle")+para("Godkendt i HovedMED: ja")+
		"<w:tbl>"+row("Navn|E-mail|Stilling|Side")+row("Anne Hansen|ah@vejle.dk|HR-/chef|Ledelse")+"</w:tbl>")
	got, err := docxText(doc)
	if err != nil {
		t.Fatal(err)
	}
	want := "Kommune: Vejle\nGodkendt i HovedMED: ja\nNavn\tE-mail\tStilling\tSide\nAnne Hansen\tah@vejle.dk\tHR- chef\tLedelse"
	if got != want {
		t.Errorf("docxText =\n%q\nwant\n%q", got, want)
	}
	if _, err := docxText([]byte("PK not a zip")); err == nil {
		t.Error("docxText read a broken zip without error")
	}
}

func TestXlsxText(t *testing.T) {
	got, err := xlsxText(workbook(t, [][]string{{"Kommune", "Vejle"}, {}, {"Navn", "Mail", "Side"}, {"Anne  Hansen", "ah@vejle.dk", "Ledelse"}}))
	if err != nil {
		t.Fatal(err)
	}
	want := "Kommune\tVejle\n\nNavn\tMail\tSide\nAnne Hansen\tah@vejle.dk\tLedelse"
	if got != want {
		t.Errorf("xlsxText =\n%q\nwant\n%q", got, want)
	}
}

// workbook builds an .xlsx with the rows on its first sheet.
func workbook(t testing.TB, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	for i, r := range rows {
		for j, c := range r {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			f.SetCellStr("Sheet1", cell, c)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// FuzzDocx checks that no .docx, however damaged, makes the reader
// panic or return more than its bound.
func FuzzDocx(f *testing.F) {
	f.Add(wordDoc(f, para("Kommune: Vejle")+"<w:tbl>"+row("a|b/c")+"</w:tbl>"))
	f.Add(wordDoc(f, "<w:p><w:r><w:t>x</w:t><w:br/><w:tab/></w:r>"))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, b []byte) {
		text, _ := docxText(b)
		if len(text) > maxDocTextBytes {
			t.Fatalf("%d bytes of text", len(text))
		}
		if _, err := wordXMLText(bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzXlsx checks that no .xlsx, however damaged, makes the reader panic
// or return more than its bound. A panic inside excelize is caught by
// xlsxText and returned as an error; it is logged so that a run shows it.
func FuzzXlsx(f *testing.F) {
	f.Add(workbook(f, [][]string{{"Kommune", "Vejle"}, {"Navn", "Mail"}, {"Anne", "a@vejle.dk"}}))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, b []byte) {
		text, err := xlsxText(b)
		if err != nil && strings.Contains(err.Error(), "parser: xlsx:") {
			t.Logf("excelize panicked (caught): %v", err)
		}
		if len(text) > maxDocTextBytes {
			t.Fatalf("%d bytes of text", len(text))
		}
	})
}
