package vestiging

import (
	"strings"
	"unicode"
)

// Limits on a search, so a pasted essay costs no more than a short query.
const (
	MaxSearchTerms   = 8
	maxSearchTermLen = 40 // runes
)

// SearchTerms splits a user's search text into the words the stores look
// up, each to be matched as a prefix, all of them required. Only letters,
// digits and marks make words: quotes, operators, SQL and HTML in the
// text are separators, never syntax. Common Dutch plural endings are
// dropped ("fietsen" → "fiets"), which with prefix matching finds the
// singular and the plural on both databases; PostgreSQL stems further.
func SearchTerms(q string) []string {
	words := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
	})
	terms := make([]string, 0, min(len(words), MaxSearchTerms))
	seen := map[string]bool{}
	for _, w := range words {
		if r := []rune(w); len(r) > maxSearchTermLen {
			w = string(r[:maxSearchTermLen])
		}
		w = dropPlural(w)
		if seen[w] {
			continue
		}
		seen[w] = true
		if terms = append(terms, w); len(terms) == MaxSearchTerms {
			break
		}
	}
	return terms
}

// dropPlural removes a Dutch plural ending when at least four letters
// remain, so short words ("open", "les") stay as they are, and undoes the
// doubled consonant before "-en" ("cursussen" → "cursus"). Matched as a
// prefix, the shorter word still finds the longer one.
func dropPlural(w string) string {
	if stem, ok := strings.CutSuffix(w, "en"); ok && len([]rune(stem)) >= 4 {
		r := []rune(stem)
		if n := len(r); r[n-1] == r[n-2] && !strings.ContainsRune("aeiou", r[n-1]) {
			stem = string(r[:n-1])
		}
		return stem
	}
	if stem, ok := strings.CutSuffix(w, "s"); ok && len([]rune(stem)) >= 4 && !strings.HasSuffix(stem, "s") {
		return stem
	}
	return w
}
