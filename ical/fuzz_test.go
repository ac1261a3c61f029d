package ical

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/vestiging/vestiging"
)

var lineRE = regexp.MustCompile(`^line [1-9][0-9]*: `)

// FuzzDecode checks that any input either decodes into valid events or
// fails with an EINVALID error naming a line, and never panics.
func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob("testdata/*.ics")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;TZID=\"a\",b;VALUE=DATE:20260101\nEND:VEVENT\nEND:VCALENDAR\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		events, err := Decode(bytes.NewReader(data), testOptions())
		if err != nil {
			if events != nil {
				t.Errorf("events returned with error %v", err)
			}
			if vestiging.ErrorCode(err) == vestiging.EINVALID && !lineRE.MatchString(vestiging.ErrorMessage(err)) {
				t.Errorf("error %q names no line", vestiging.ErrorMessage(err))
			}
			return
		}
		for _, e := range events {
			if err := e.Validate(); err != nil {
				t.Errorf("decoded event %q does not validate: %v", e.UID, err)
			}
		}
	})
}
