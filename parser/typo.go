package parser

import "strings"

// Small typos in a kommune's name ("Silkebrog", "Frederikssund Komune") are
// read the way a person at KL would read them, but only where a kommune is
// expected: in the form's "Kommune:" answer, or right before the word
// "Kommune". Free text is never matched approximately, so a person's name
// cannot become a kommune.

// minTypoLen is the shortest name matched approximately; shorter names are
// too close to each other ("Sorø", "Solrød") and to ordinary words.
const minTypoLen = 6

// FindApprox returns the kommune whose name the answer misspells by at
// most one edit (two for long names), when exactly one kommune is that
// close. The answer should be just the name, with or without "Kommune".
func (d *Directory) FindApprox(answer string) (Kommune, bool) {
	words := strings.Fields(foldedWords(answer))
	for len(words) > 0 && isKommuneWord(words[len(words)-1]) {
		words = words[:len(words)-1]
	}
	name := strings.Join(words, " ")
	if len([]rune(name)) < minTypoLen {
		return Kommune{}, false
	}
	limit := 1
	if len([]rune(name)) >= 10 {
		limit = 2
	}
	best, bestDist, ties := -1, limit+1, 0
	for key, e := range d.byPhrase {
		if e.acronym || len([]rune(key)) < minTypoLen {
			continue
		}
		dist := editDistance(name, key, limit)
		switch {
		case dist < bestDist:
			best, bestDist, ties = e.index, dist, 0
		case dist == bestDist && e.index != best:
			ties++
		}
	}
	if best < 0 || ties > 0 {
		return Kommune{}, false
	}
	return d.all[best], true
}

// findMisspeltMention finds "<misspelt name> Kommune" in free text.
func (d *Directory) findMisspeltMention(text string) (Kommune, bool) {
	toks := tokenize(text)
	for i, t := range toks {
		if !isKommuneWord(t.folded) || i == 0 {
			continue
		}
		for n := min(d.maxWords, i); n >= 1; n-- {
			var words []string
			for _, w := range toks[i-n : i] {
				words = append(words, w.orig)
			}
			if k, ok := d.FindApprox(strings.Join(words, " ")); ok {
				return k, true
			}
		}
	}
	return Kommune{}, false
}

func isKommuneWord(w string) bool {
	switch w {
	case "kommune", "kommunes", "kommunen", "komune", "kommue", "kommnue", "regionskommune":
		return true
	}
	return false
}

// editDistance is the optimal-string-alignment distance between a and b
// (insertions, deletions, substitutions and swaps of neighbours), or
// limit+1 as soon as it must exceed limit.
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > limit || -d > limit {
		return limit + 1
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(rb)], limit+1)
}
