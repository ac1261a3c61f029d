package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/vestiging/vestiging"
)

// API tokens on requests: "Authorization: Bearer TOKEN" (RFC 6750), scopes
// per route, a rate limit per token, and Idempotency-Key on POST.

// apiTokenRequests is how many requests one token may make per minute.
const apiTokenRequests = 300

type apiTokenKey struct{}

func tokenFrom(ctx context.Context) *vestiging.APIToken {
	t, _ := ctx.Value(apiTokenKey{}).(*vestiging.APIToken)
	return t
}

// bearer reads the request's API token, if it sends one, and refuses an
// unknown, expired or revoked one with 401. Requests without one go on as
// the public.
func (s *Server) bearer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if h == "" {
			next.ServeHTTP(w, r)
			return
		}
		scheme, token, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			s.apiUnauthorized(w, r, vestiging.Errorf(vestiging.EUNAUTHORIZED, "Send the API token as: Authorization: Bearer TOKEN."))
			return
		}
		ctx := r.Context()
		tok, err := s.svc.APITokenByHash(ctx, vestiging.HashToken(strings.TrimSpace(token)))
		if err == nil {
			err = tok.Check(s.now())
		} else if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
			err = vestiging.Errorf(vestiging.EUNAUTHORIZED, "This API token is not known here.")
		}
		if err != nil {
			s.apiUnauthorized(w, r, err)
			return
		}
		if err := s.svc.TouchAPIToken(ctx, tok.ID, s.now()); err != nil {
			s.log.Warn("note API token use", "token", tok.ID, "err", err) // the request itself may go on
		}
		w.Header().Set("Cache-Control", "private, no-store")
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, apiTokenKey{}, tok)))
	})
}

// apiUnauthorized answers 401 with the challenge RFC 6750 asks for.
func (s *Server) apiUnauthorized(w http.ResponseWriter, r *http.Request, err error) {
	if vestiging.ErrorCode(err) == vestiging.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="api", error="invalid_token"`)
	}
	s.apiError(w, r, err)
}

// scope lets a request through only with a token that carries scope: 401
// without a token, 403 with one that lacks it.
func (s *Server) scope(scope string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			lang := langFrom(r.Context())
			tok := tokenFrom(r.Context())
			switch {
			case tok == nil:
				w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="api", scope="%s"`, scope))
				s.apiError(w, r, vestiging.Errorf(vestiging.EUNAUTHORIZED, s.locales.T(lang, "This request needs an API token with the scope %s."), scope))
			case !tok.Has(scope):
				w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="api", error="insufficient_scope", scope="%s"`, scope))
				s.apiError(w, r, vestiging.Errorf(vestiging.EFORBIDDEN, s.locales.T(lang, "This API token lacks the scope %s."), scope))
			default:
				next.ServeHTTP(w, r)
			}
		})
	}
}

// tokenLimit limits each token to apiTokenRequests a minute; requests
// without a token are the public's, read-only and cached.
func (s *Server) tokenLimit() func(http.Handler) http.Handler {
	limit := s.limit("api-token", apiTokenRequests, time.Minute, func(r *http.Request) (string, error) {
		return fmt.Sprint("token:", tokenFrom(r.Context()).ID), nil
	}, "Too many requests with this API token. Please wait a minute and try again.", s.apiError)
	return func(next http.Handler) http.Handler {
		limited := limit(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tokenFrom(r.Context()) == nil {
				next.ServeHTTP(w, r)
				return
			}
			limited.ServeHTTP(w, r)
		})
	}
}

type idempotencyKey struct{}

func idempotencyFrom(ctx context.Context) *vestiging.Idempotency {
	k, _ := ctx.Value(idempotencyKey{}).(*vestiging.Idempotency)
	return k
}

// idempotent honours an Idempotency-Key on a POST with a token: the same
// key and request again get the first answer (with Idempotent-Replayed:
// true) and change nothing; the key with another request is refused with
// 422. Successful answers are kept for a day. Creating an event stores its
// key in the event's transaction (apiCreateEvent); other POSTs set a state
// and store the answer after it, so a crash in between runs them once more,
// which leaves the same state.
func (s *Server) idempotent(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key, tok := r.Header.Get("Idempotency-Key"), tokenFrom(r.Context())
		if key == "" || tok == nil {
			next(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			s.apiBodyError(w, r, err)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		k := &vestiging.Idempotency{TokenID: tok.ID, Key: key, Fingerprint: fingerprint(r, body)}
		if err := k.Validate(); err != nil {
			s.apiError(w, r, err)
			return
		}
		if s.replay(w, r, k) {
			return
		}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		next(rec, r.WithContext(context.WithValue(r.Context(), idempotencyKey{}, k)))
		if rec.status < 200 || rec.status > 299 {
			return
		}
		err = s.svc.SaveIdempotentResponse(r.Context(), k, rec.status, rec.body.Bytes())
		if err != nil && vestiging.ErrorCode(err) != vestiging.ECONFLICT {
			s.log.Error("save idempotent answer", "path", r.URL.Path, "err", err)
		}
	}
}

// fingerprint is what an Idempotency-Key is bound to: method, address and body.
func fingerprint(r *http.Request, body []byte) string {
	sum := sha256.Sum256([]byte(r.Method + " " + r.URL.RequestURI() + "\n" + string(body)))
	return hex.EncodeToString(sum[:])
}

// replay answers with what the key got before, and reports whether it did.
func (s *Server) replay(w http.ResponseWriter, r *http.Request, k *vestiging.Idempotency) bool {
	ctx := r.Context()
	stored, err := s.svc.IdempotentResponse(ctx, k)
	switch {
	case vestiging.ErrorCode(err) == vestiging.ENOTFOUND:
		return false
	case err != nil:
		s.apiError(w, r, err)
		return true
	case stored.Fingerprint != k.Fingerprint:
		s.apiError(w, r, &vestiging.Error{Code: vestiging.EINVALID, Message: "Please correct the marked fields.",
			Fields: map[string]string{"Idempotency-Key": "This key was used with another request; use a new key for each request."}})
		return true
	}
	w.Header().Set("Idempotent-Replayed", "true")
	switch {
	case stored.Body != nil:
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(stored.Status)
		_, _ = w.Write(stored.Body)
	case stored.EventID != 0:
		// Created, and the answer not yet saved: the event as it is.
		s.apiEventAnswer(w, r, stored.Status, stored.EventID)
	default:
		s.apiError(w, r, vestiging.Errorf(vestiging.ECONFLICT, "A request with this Idempotency-Key is still being answered."))
	}
	return true
}

// recorder passes a response on and keeps its status and body.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (rec *recorder) WriteHeader(status int) {
	rec.status = status
	rec.ResponseWriter.WriteHeader(status)
}

func (rec *recorder) Write(b []byte) (int, error) {
	rec.body.Write(b)
	return rec.ResponseWriter.Write(b)
}

// apiBodyError answers a body that could not be read: too large (413) or cut off (400).
func (s *Server) apiBodyError(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		s.apiError(w, r, vestiging.Errorf(vestiging.ETOOLARGE, "What you sent is too large (at most 1 MB). Please shorten it and try again."))
		return
	}
	s.apiError(w, r, vestiging.Errorf(vestiging.EINVALID, "The request body could not be read."))
}
