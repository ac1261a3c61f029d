package vestiging

import (
	"context"
	"time"
)

// RateService keeps the counts of rate limits where every server process
// sharing the database sees them, so two processes keep one budget.
type RateService interface {
	// TakeRate counts one request of key under the limit called name (keys
	// of different names are apart), of limit requests per window counted
	// as a sliding window: this window's requests plus the previous
	// window's, weighted by how much of it the sliding window still covers.
	// It is one statement, so two requests at once cannot both take the
	// last one. ok is false when the request is over the limit; it is then
	// not counted, but for the first of a window, which starts the window's
	// count.
	TakeRate(ctx context.Context, name, key string, limit int, window time.Duration) (ok bool, err error)
}
