package vestiging

import (
	"context"
	"time"
)

// RateCounter counts requests per key in fixed windows where every server
// process sharing the database sees them, so two processes keep one
// budget. It is what github.com/go-chi/httprate calls a LimitCounter:
// Config gives it its window's length, the others count and read.
type RateCounter interface {
	Config(requestLimit int, windowLength time.Duration)
	Increment(key string, currentWindow time.Time) error
	IncrementBy(key string, currentWindow time.Time, amount int) error
	// Get returns key's counts in the current and the previous window.
	Get(key string, currentWindow, previousWindow time.Time) (int, int, error)
}

// RateService keeps the counts of rate limits.
type RateService interface {
	// RateCounter returns a counter for the limit called name, whose keys
	// are apart from those of other names. Each limit takes its own.
	RateCounter(name string) RateCounter
	// TakeRate counts one request of key under the limit called name, of
	// limit requests per window counted as httprate counts them (this
	// window's requests plus the previous window's, weighted by how much
	// of it the sliding window still covers), in one statement, so two
	// requests at once cannot both take the last one. ok is false when
	// the request is over the limit; it is then not counted, but for the
	// first of a window, which starts the window's count.
	TakeRate(ctx context.Context, name, key string, limit int, window time.Duration) (ok bool, err error)
}
