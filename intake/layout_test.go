// The layout check: imports point one way, down towards storage, parser
// and replies (docs/ARCHITECTURE.md draws the picture). It asks `go list
// -deps` for what each package pulls in, directly or not, and fails when a
// package depends on one it must not.
package intake_test

import (
	"bytes"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/seniorpartnerskabet/seniorbot/"

// layoutRule says which of the module's packages one package may depend
// on (directly or through others), and which outside packages it must not.
type layoutRule struct {
	may    []string // the module's packages, relative to the module
	mayNot []string // import path prefixes outside the module
}

var (
	imapLibs = []string{"github.com/emersion/go-imap"}
	smtpLibs = []string{"github.com/emersion/go-smtp", "github.com/wneessen/go-mail"}
	mailLibs = append(slices.Clone(imapLibs), smtpLibs...)
)

// layout is the rule of every package of the module but cmd/ (the
// commands may use anything below them). A package missing here fails
// the test, so a new package is placed on purpose.
var layout = map[string]layoutRule{
	"parser":                    {mayNot: mailLibs},
	"parser/internal/gencorpus": {mayNot: mailLibs},
	"templates":                 {mayNot: mailLibs},
	"storage":                   {may: []string{"parser"}, mayNot: mailLibs},
	"replies":                   {may: []string{"parser", "storage", "templates"}, mayNot: imapLibs},
	"intake/config":             {mayNot: mailLibs},
	"intake/inbox":              {mayNot: mailLibs},
	"intake/localmail":          {mayNot: []string{"github.com/wneessen/go-mail"}},
	"intake/mailbox":            {may: []string{"intake/config", "intake/inbox", "storage", "parser"}, mayNot: smtpLibs},
	"intake/calendar":           {may: []string{"intake/config", "parser", "replies", "storage", "templates"}, mayNot: imapLibs},
	"intake/rules": {may: []string{"intake/calendar", "intake/config", "intake/inbox", "parser", "replies", "storage", "templates"},
		mayNot: imapLibs},
	"intake/ops": {may: []string{"intake/calendar", "intake/config", "intake/inbox", "intake/rules", "parser", "replies", "storage", "templates"},
		mayNot: imapLibs},
	"intake/status": {may: []string{"intake/calendar", "intake/config", "intake/inbox", "intake/rules", "parser", "replies", "storage", "templates"},
		mayNot: imapLibs},
	"intake/check": {may: []string{"intake/config", "parser", "replies", "storage", "templates"}},
	"intake": {may: []string{"intake/calendar", "intake/config", "intake/inbox", "intake/mailbox", "intake/rules", "intake/ops",
		"intake/status", "parser", "replies", "storage", "templates"}},
}

func TestImportsPointOneWay(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}", module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		rel := strings.TrimPrefix(pkg, module)
		if strings.HasPrefix(rel, "cmd/") {
			continue
		}
		rule, ok := layout[rel]
		if !ok {
			t.Errorf("package %s has no rule in layout_test.go: say what it may import", rel)
			continue
		}
		for _, dep := range deps(t, pkg) {
			if dep == pkg {
				continue
			}
			if inner, ok := strings.CutPrefix(dep, module); ok {
				if !slices.Contains(rule.may, inner) {
					t.Errorf("%s depends on %s, which it must not (layout_test.go, docs/ARCHITECTURE.md)", rel, inner)
				}
				continue
			}
			for _, bad := range rule.mayNot {
				if strings.HasPrefix(dep, bad) {
					t.Errorf("%s depends on %s, which it must not (layout_test.go, docs/ARCHITECTURE.md)", rel, dep)
				}
			}
		}
	}
}

// deps lists every package pkg depends on, directly or not (tests
// excluded).
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

// maxFileLines is the most lines a non-test Go file may have: a longer one
// is several concerns waiting to be named (docs/ARCHITECTURE.md).
const maxFileLines = 500

func TestNoFileOverMaxLines(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}`, module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, path := range strings.Fields(string(out)) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if n := bytes.Count(b, []byte("\n")); n > maxFileLines {
			t.Errorf("%s has %d lines, more than %d: split it by concern", path, n, maxFileLines)
		}
	}
}
