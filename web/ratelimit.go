package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/vestiging/vestiging"
)

// Checking a password costs an argon2id hash (64 MiB): changing the
// password and deleting the account allow a few tries per person.
const (
	passwordChecks      = 5
	passwordCheckWindow = 10 * time.Minute
)

// limit allows n requests per window for each key. The counts are kept in
// the database under name (vestiging.RateService.TakeRate, as the inbox's
// limit), so every server process sharing it keeps one budget. refuse
// (s.fail, s.apiError) answers a request over the limit, with ETOOMANY and
// msg and a Retry-After of the window, and a count that failed.
func (s *Server) limit(name string, n int, window time.Duration, key func(*http.Request) (string, error), msg string,
	refuse func(http.ResponseWriter, *http.Request, error)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			k, err := key(r)
			ok := false
			if err == nil {
				ok, err = s.svc.TakeRate(r.Context(), name, k, n, window)
			}
			switch {
			case err != nil:
				refuse(w, r, fmt.Errorf("rate limit %s: %w", name, err))
			case !ok:
				w.Header().Set("Retry-After", strconv.Itoa(int(window.Seconds())))
				refuse(w, r, vestiging.Errorf(vestiging.ETOOMANY, "%s", msg))
			default:
				next.ServeHTTP(w, r)
			}
		})
	}
}

// The answers to a visitor over a limit.
const (
	tooManyAttempts = "Too many attempts. Please wait a minute and try again."
	tooManyChecks   = "Too many attempts. Please wait a few minutes and try again."
)

// visitor keys a limit by the signed-in person, wherever they connect from,
// else by the client's address: people signed in at a library's public
// computers, which share one address, do not use up each other's budget.
func visitor(r *http.Request) (string, error) {
	if p := personFrom(r.Context()); p != nil {
		return "person:" + strconv.FormatInt(p.ID, 10), nil
	}
	ip, err := clientIP(r)
	return "ip:" + ip, err
}
