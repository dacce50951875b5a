// Package templates holds the Danish mail templates of seniorbot.
//
// Each reply exists as plain text (NAME.txt.tmpl, text/template) and as HTML
// (NAME.html.tmpl, html/template, so everything that came from a message is
// escaped). The shared blocks — the reply form and the signature — live in
// _shared.txt.tmpl and _shared.html.tmpl and are parsed with every reply.
// The data of every template is a replies.View; package replies parses and
// renders them, and lets a folder of files with the same names override
// them one by one.
package templates

import "embed"

// FS holds the embedded templates, the defaults when no override folder
// is configured. File names are NAME.txt.tmpl and NAME.html.tmpl.
//
//go:embed *.tmpl
var FS embed.FS
