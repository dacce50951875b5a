package templates

import (
	"io/fs"
	"testing"
)

// TestEveryReplyHasBothVariants guards the file names package replies
// relies on.
func TestEveryReplyHasBothVariants(t *testing.T) {
	for _, name := range []string{"_shared", "confirmation", "missing", "question_ack", "question_forward"} {
		for _, ext := range []string{".txt.tmpl", ".html.tmpl"} {
			if _, err := fs.Stat(FS, name+ext); err != nil {
				t.Errorf("%s%s: %v", name, ext, err)
			}
		}
	}
}
