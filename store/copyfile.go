package store

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/vestiging/vestiging"
)

// A backup file is a gzip'd stream of JSON lines, one copyLine each: the
// header, each table and its rows, the jobs and an end line with counts,
// so a file cut short is noticed even where the gzip stream happens to end.
type copyLine struct {
	Header  *CopyHeader `json:"header,omitempty"`
	Table   string      `json:"table,omitempty"`
	Columns []string    `json:"columns,omitempty"`
	Row     []any       `json:"row,omitempty"`
	Job     *CopyJob    `json:"job,omitempty"`
	End     *copyEnd    `json:"end,omitempty"`
}

type copyEnd struct {
	Rows int64 `json:"rows"`
	Jobs int64 `json:"jobs"`
}

// BackupWriter is the CopySink that writes a backup file; Close ends it.
type BackupWriter struct {
	gz   *gzip.Writer
	enc  *json.Encoder
	end  copyEnd
	err  error
	rows bool // a table's rows are being written
}

// NewBackupWriter writes a backup to w.
func NewBackupWriter(w io.Writer) *BackupWriter {
	gz := gzip.NewWriter(w)
	return &BackupWriter{gz: gz, enc: json.NewEncoder(gz)}
}

func (b *BackupWriter) write(l copyLine) error {
	if b.err == nil {
		b.err = b.enc.Encode(l)
	}
	return b.err
}

func (b *BackupWriter) Header(h CopyHeader) error { return b.write(copyLine{Header: &h}) }

func (b *BackupWriter) Table(name string, columns []string) error {
	return b.write(copyLine{Table: name, Columns: columns})
}

func (b *BackupWriter) Row(values []any) error {
	b.end.Rows++
	return b.write(copyLine{Row: values})
}

func (b *BackupWriter) Job(j CopyJob) error {
	b.end.Jobs++
	return b.write(copyLine{Job: &j})
}

// Close writes the end line and finishes the gzip stream; it does not
// close the underlying writer.
func (b *BackupWriter) Close() error {
	b.write(copyLine{End: &b.end})
	return errors.Join(b.err, b.gz.Close())
}

// ReadBackup reads a backup file into sink. A file that is not a backup,
// is cut short or damaged is an EINVALID error, whatever sink did with the
// lines before it; read it into a sink that only counts first to check it.
func ReadBackup(r io.Reader, sink CopySink) error {
	gz, err := gzip.NewReader(bufio.NewReader(r))
	if err != nil {
		return corrupt(err)
	}
	sc := bufio.NewScanner(gz)
	sc.Buffer(make([]byte, 64*1024), 64*1024*1024) // one row may be long
	var (
		got    copyEnd
		header bool
	)
	for line := 1; sc.Scan(); line++ {
		var l copyLine
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.UseNumber() // integers stay exact
		if err := dec.Decode(&l); err != nil {
			return corrupt(fmt.Errorf("line %d: %w", line, err))
		}
		switch {
		case l.Header != nil:
			if header {
				return corrupt(fmt.Errorf("line %d: a second header", line))
			}
			header = true
			err = sink.Header(*l.Header)
		case !header:
			return corrupt(fmt.Errorf("line %d: no header", line))
		case l.Table != "":
			err = sink.Table(l.Table, l.Columns)
		case l.Row != nil:
			got.Rows++
			err = sink.Row(l.Row)
		case l.Job != nil:
			got.Jobs++
			err = sink.Job(*l.Job)
		case l.End != nil:
			if *l.End != got {
				return corrupt(fmt.Errorf("it holds %d rows and %d jobs where its end says %d and %d", got.Rows, got.Jobs, l.End.Rows, l.End.Jobs))
			}
			if sc.Scan() {
				return corrupt(fmt.Errorf("line %d: data after the end", line+1))
			}
			if err := sc.Err(); err != nil {
				return corrupt(err)
			}
			return nil
		default:
			return corrupt(fmt.Errorf("line %d: unknown content", line))
		}
		if err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return corrupt(err)
	}
	return corrupt(errors.New("it ends before its last line (cut short?)"))
}

func corrupt(err error) error {
	return &vestiging.Error{Code: vestiging.EINVALID, Message: "The backup file is damaged or not a vestiging backup.", Err: err}
}

// CheckSink accepts any copy: reading a backup into it checks the file.
type CheckSink struct {
	Head CopyHeader
	Rows int64
	Jobs int64
}

func (c *CheckSink) Header(h CopyHeader) error    { c.Head = h; return nil }
func (c *CheckSink) Table(string, []string) error { return nil }
func (c *CheckSink) Row([]any) error              { c.Rows++; return nil }
func (c *CheckSink) Job(CopyJob) error            { c.Jobs++; return nil }

// TeeSink hands a copy to both sinks, a before b.
func TeeSink(a, b CopySink) CopySink { return teeSink{a, b} }

type teeSink [2]CopySink

func (t teeSink) Header(h CopyHeader) error { return errors.Join(t[0].Header(h), t[1].Header(h)) }
func (t teeSink) Table(n string, c []string) error {
	return errors.Join(t[0].Table(n, c), t[1].Table(n, c))
}
func (t teeSink) Row(v []any) error   { return errors.Join(t[0].Row(v), t[1].Row(v)) }
func (t teeSink) Job(j CopyJob) error { return errors.Join(t[0].Job(j), t[1].Job(j)) }
