package parser

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"sort"
	"strings"
)

//go:embed kommuner.csv
var kommunerCSV string

// Kommune is one of the 98 Danish kommuner.
type Kommune struct {
	Code    string   // DAWA's 4-digit kommunekode, e.g. "0751"
	Name    string   // official name, e.g. "Aarhus Kommune"
	Region  string   // e.g. "Region Midtjylland"
	Side    string   // side of Storebælt: "øst" or "vest"
	Domains []string // mail domains the kommune uses, e.g. "aarhus.dk"
	Aliases []string // other names people write, e.g. "Århus", "Kbh"
}

// Ref returns the JSON reference to k.
func (k Kommune) Ref() *KommuneRef {
	return &KommuneRef{Code: k.Code, Name: k.Name}
}

// Directory looks kommuner up by code, name and mail domain. It is built
// once by New and is read-only afterwards, so it is safe for concurrent use.
type Directory struct {
	all      []Kommune
	byCode   map[string]int
	byDomain map[string]int
	byPhrase map[string]phraseEntry
	maxWords int
}

// phraseEntry is one spelling of a kommune's name in folded words.
type phraseEntry struct {
	index int
	// acronym spellings ("KK", "HTK") only match when written in capitals.
	acronym bool
	// common spellings are also ordinary Danish words ("Vejen" is "the
	// road", "Mors" is "mother's") and only count when followed by
	// "Kommune" or when they are the whole text.
	common bool
}

// commonWordNames are kommune names that are also everyday Danish words.
var commonWordNames = map[string]bool{
	"vejen": true, "mors": true, "brande": true, "greve": true, "odder": true,
	"skive": true, "lejre": true, "varde": true, "ikast": true, "faxe": true,
	"fakse": true, "lyngby": true,
}

// newDirectory parses the embedded CSV. A malformed embedded file is a
// programming error, hence the panic (it is caught by the package tests).
func newDirectory(data string) *Directory {
	d, err := parseDirectory(data)
	if err != nil {
		panic(err)
	}
	return d
}

// parseDirectory reads kommuner.csv: kode,navn,region,storebaelt,domaener,aliaser
// with ';'-separated lists.
func parseDirectory(data string) (*Directory, error) {
	rows, err := csv.NewReader(strings.NewReader(data)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("kommuner.csv: %w", err)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("kommuner.csv: no rows")
	}
	d := &Directory{byCode: map[string]int{}, byDomain: map[string]int{}, byPhrase: map[string]phraseEntry{}}
	for _, row := range rows[1:] {
		if len(row) < 6 {
			return nil, fmt.Errorf("kommuner.csv: short row %q", row)
		}
		k := Kommune{Code: row[0], Name: row[1], Region: row[2], Side: row[3],
			Domains: splitList(row[4]), Aliases: splitList(row[5])}
		d.add(k)
	}
	return d, nil
}

// splitList splits a ';'-separated CSV cell, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ";") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// add indexes k under its code, domains and every spelling of its name.
func (d *Directory) add(k Kommune) {
	i := len(d.all)
	d.all = append(d.all, k)
	d.byCode[k.Code] = i
	for _, dom := range k.Domains {
		d.byDomain[strings.ToLower(dom)] = i
	}
	names := append([]string{k.Name}, k.Aliases...)
	for _, n := range names {
		d.addPhrase(n, i)
		if short := trimKommuneWord(n); short != n {
			d.addPhrase(short, i)
		}
	}
}

// addPhrase indexes one spelling.
func (d *Directory) addPhrase(name string, i int) {
	key := foldedWords(name)
	if key == "" {
		return
	}
	if _, taken := d.byPhrase[key]; taken {
		return // first kommune to claim a spelling keeps it
	}
	acronym := len(name) <= 4 && strings.ToUpper(name) == name
	d.byPhrase[key] = phraseEntry{index: i, acronym: acronym, common: commonWordNames[key]}
	if n := strings.Count(key, " ") + 1; n > d.maxWords {
		d.maxWords = n
	}
}

// trimKommuneWord drops a trailing "Kommune" or "Regionskommune".
func trimKommuneWord(name string) string {
	for _, suffix := range []string{" Regionskommune", " Kommune"} {
		if strings.HasSuffix(name, suffix) {
			return strings.TrimSuffix(name, suffix)
		}
	}
	return name
}

// All returns all kommuner ordered by code. The slice is a copy.
func (d *Directory) All() []Kommune {
	out := append([]Kommune(nil), d.all...)
	sort.Slice(out, func(a, b int) bool { return out[a].Code < out[b].Code })
	return out
}

// ByCode returns the kommune with the 4-digit code ("0751"; "751" works too).
func (d *Directory) ByCode(code string) (Kommune, bool) {
	code = strings.TrimSpace(code)
	if len(code) == 3 {
		code = "0" + code
	}
	i, ok := d.byCode[code]
	if !ok {
		return Kommune{}, false
	}
	return d.all[i], true
}

// ByEmailDomain returns the kommune owning the domain of addr. addr may be
// an address ("hr@aarhus.dk") or a bare domain; subdomains of a kommune
// domain ("mso.aarhus.dk") belong to the kommune too.
func (d *Directory) ByEmailDomain(addr string) (Kommune, bool) {
	dom := strings.ToLower(strings.TrimSpace(addr))
	if at := strings.LastIndexByte(dom, '@'); at >= 0 {
		dom = dom[at+1:]
	}
	dom = strings.TrimSuffix(strings.Trim(dom, "<>"), ".")
	for dom != "" {
		if i, ok := d.byDomain[dom]; ok {
			return d.all[i], true
		}
		dot := strings.IndexByte(dom, '.')
		if dot < 0 {
			break
		}
		dom = dom[dot+1:]
	}
	return Kommune{}, false
}

// Find returns the first kommune named in text: by its name, an alias, its
// name without "Kommune", or the ae/oe/aa spellings of æ/ø/å, ignoring case.
// Only whole words match, so the street "Vejlevej" is not Vejle. Acronyms
// (KK, HTK) must be written in capitals, and names that are everyday words
// ("Vejen", "Mors") only count next to "Kommune" or as the whole text.
func (d *Directory) Find(text string) (Kommune, bool) {
	return d.find(text, false)
}

// findMention is Find restricted to "<name> Kommune": it is used on free
// text, where a bare place name may be an address or a person.
func (d *Directory) findMention(text string) (Kommune, bool) {
	if !containsFold(text, "ommun") {
		// Every kommune word folds to a word with "ommun", and only the
		// ASCII letters fold to o, m, u and n: no word of text is one.
		return Kommune{}, false
	}
	return d.findMentionIn(d.mentionWords(text))
}

// find scans the words of text for the longest known spelling at each
// position, leftmost first.
func (d *Directory) find(text string, needKommuneWord bool) (Kommune, bool) {
	toks := tokenize(text)
	var key []byte
	for i := range toks {
		for n := min(d.maxWords, len(toks)-i); n >= 1; n-- {
			var e phraseEntry
			var ok bool
			if n == 1 {
				e, ok = d.byPhrase[toks[i].folded]
			} else {
				key = key[:0]
				for j := i; j < i+n; j++ {
					if j > i {
						key = append(key, ' ')
					}
					key = append(key, toks[j].folded...)
				}
				e, ok = d.byPhrase[string(key)]
			}
			if !ok {
				continue
			}
			if k, ok := d.matchAt(toks, i, n, e, needKommuneWord); ok {
				return k, true
			}
		}
	}
	return Kommune{}, false
}

// matchAt checks whether words toks[i:i+n], which spell e, name a
// kommune under the rules described at Find.
func (d *Directory) matchAt(toks []token, i, n int, e phraseEntry, needKommuneWord bool) (Kommune, bool) {
	if e.acronym && toks[i].orig != strings.ToUpper(toks[i].orig) {
		return Kommune{}, false
	}
	last := toks[i+n-1].folded
	kommuneWord := last == "kommune" || last == "regionskommune" || last == "kommunes"
	if next := i + n; next < len(toks) {
		f := toks[next].folded
		kommuneWord = kommuneWord || f == "kommune" || f == "kommunes" || f == "kommunen"
	}
	wholeText := n == len(toks)
	if needKommuneWord && !kommuneWord {
		return Kommune{}, false
	}
	if e.common && !kommuneWord && !wholeText {
		return Kommune{}, false
	}
	return d.all[e.index], true
}
