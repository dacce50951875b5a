package gencorpus

import (
	"bytes"
	"io"
	"slices"
	"testing"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset"
)

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := Generate(200, 42), Generate(200, 42)
	for i := range a {
		if !bytes.Equal(a[i].Raw, b[i].Raw) {
			t.Fatalf("mail %d differs between two runs with the same seed", i)
		}
	}
	if c := Generate(200, 43); bytes.Equal(a[0].Raw, c[0].Raw) && bytes.Equal(a[1].Raw, c[1].Raw) {
		t.Error("another seed gives the same mails")
	}
}

// TestCorpusShape checks the sizes and the mix the benchmark relies on.
func TestCorpusShape(t *testing.T) {
	mails := Generate(2000, 1)
	sizes := make([]int, len(mails))
	clients, kinds := map[string]int{}, map[string]int{}
	for i, m := range mails {
		sizes[i] = len(m.Raw)
		clients[m.Client]++
		kinds[m.Kind]++
	}
	slices.Sort(sizes)
	median := sizes[len(sizes)/2]
	if median < 7<<10 || median > 9<<10 {
		t.Errorf("median size %d bytes, want about 8 KB", median)
	}
	if sizes[0] < MinSize || sizes[len(sizes)-1] > MaxSize {
		t.Errorf("sizes from %d to %d bytes, want within %d–%d", sizes[0], sizes[len(sizes)-1], MinSize, MaxSize)
	}
	if sizes[len(sizes)-1] < 150<<10 {
		t.Errorf("largest mail %d bytes: the tail towards 200 KB is missing", sizes[len(sizes)-1])
	}
	for _, c := range []string{Outlook, OutlookWeb, Gmail, AppleMail, Thunderbird, IPhone, Legacy, "server"} {
		if clients[c] < 20 {
			t.Errorf("client %s: %d mails", c, clients[c])
		}
	}
	for _, k := range []string{"form", "prose", "table", "question", "cancellation", "auto_reply", "forward", "bounce", "newsletter"} {
		if kinds[k] < 20 {
			t.Errorf("kind %s: %d mails", k, kinds[k])
		}
	}
}

// TestMailsAreWellFormed reads every mail with go-message: each part
// must decode, and the encodings and features the corpus promises must
// be there.
func TestMailsAreWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for i, m := range Generate(500, 1) {
		e, err := message.Read(bytes.NewReader(m.Raw))
		if err != nil {
			t.Fatalf("mail %d (%s %s): %v", i, m.Client, m.Kind, err)
		}
		err = e.Walk(func(_ []int, part *message.Entity, err error) error {
			if err != nil {
				return err
			}
			mt, params, _ := part.Header.ContentType()
			seen[mt] = true
			seen["charset="+params["charset"]] = true
			seen["cte="+part.Header.Get("Content-Transfer-Encoding")] = true
			if params["format"] == "flowed" {
				seen["flowed"] = true
			}
			if part.MultipartReader() != nil {
				return nil // its parts are walked next; reading it would consume them
			}
			_, err = io.Copy(io.Discard, part.Body)
			return err
		})
		if err != nil {
			t.Fatalf("mail %d (%s %s): %v", i, m.Client, m.Kind, err)
		}
	}
	for _, want := range []string{"multipart/alternative", "multipart/related", "multipart/mixed", "multipart/report",
		"message/rfc822", "message/delivery-status", "image/png", "application/pdf", "text/html",
		"charset=Windows-1252", "charset=iso-8859-1", "charset=UTF-8", "charset=utf-8",
		"cte=base64", "cte=quoted-printable", "cte=8bit", "flowed"} {
		if !seen[want] {
			t.Errorf("no part with %s", want)
		}
	}
}
