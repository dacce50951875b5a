package parser

import (
	"strings"
	"testing"
)

func TestUnflow(t *testing.T) {
	cases := []struct {
		in    string
		delSp bool
		want  string
	}{
		{"Anne Hansen (ah@x.dk), HR-chef, for \r\nledelsen\r\nNy linje", false, "Anne Hansen (ah@x.dk), HR-chef, for ledelsen\nNy linje"},
		{"HR-chef for le\r\ndelsen", false, "HR-chef for le\ndelsen"},
		{"HR-chef for le \r\ndelsen", true, "HR-chef for ledelsen"},
		{" From here\r\n >not a quote", false, "From here\n>not a quote"},
		{"> quoted and \r\n> wrapped\r\nmine", false, "> quoted and wrapped\nmine"},
		{"mine and \r\n> quoted", false, "mine and \n> quoted"},
		{"tekst\r\n-- \r\nAnne", false, "tekst\n-- \nAnne"},
		{"", false, ""},
	}
	for _, c := range cases {
		if got := unflow(c.in, c.delSp); got != c.want {
			t.Errorf("unflow(%q, %v) = %q, want %q", c.in, c.delSp, got, c.want)
		}
	}
}

// FuzzUnflow checks that unflow never panics, never makes text longer
// than the quote prefixes it writes allow, and leaves text without soft
// breaks, stuffing or quotes as it was.
func FuzzUnflow(f *testing.F) {
	f.Add("Anne Hansen, for \r\nledelsen\r\n", false)
	f.Add("> a \r\n>> b \r\nc", true)
	f.Add(" -- \r\n", true)
	f.Fuzz(func(t *testing.T, s string, delSp bool) {
		out := unflow(s, delSp)
		if len(out) > 2*len(s)+1 {
			t.Fatalf("unflow grew %d bytes into %d", len(s), len(out))
		}
		plain := !strings.Contains(s, " \n") && !strings.Contains(s, " \r") && !strings.HasSuffix(s, " ") &&
			!strings.Contains(s, ">") && !strings.Contains(s, "\n ") && !strings.HasPrefix(s, " ") && !strings.Contains(s, "\r")
		if plain && out != s {
			t.Fatalf("unflow changed plain text %q into %q", s, out)
		}
	})
}
