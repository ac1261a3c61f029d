package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/vestiging/vestiging"
)

const (
	sessionCookie   = "vestiging_session"
	sessionLifetime = 30 * 24 * time.Hour
)

// dummyHash is checked against when the email is unknown, with the same
// argon2id parameters as real hashes, so a wrong email costs as much time as
// a wrong password and timing tells nothing.
const dummyHash = "$argon2id$v=19$m=65536,t=3,p=2$fw07Rid8/Ospv5/kIEG3Bg$XPR/XeokYl7Jga8Ezl8KHYt5v1lg0yCKdi8y/Pwmyhk"

const badLogin = "Email address or password is incorrect."

// hashToken is what the store keeps of a session token.
var hashToken = vestiging.HashToken

// authenticate puts the signed-in person, if any, in the request context.
// An unknown or expired token just means "not signed in".
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil || c.Value == "" || strings.HasPrefix(r.URL.Path, "/static/") {
			next.ServeHTTP(w, r)
			return
		}
		hash := hashToken(c.Value)
		p, err := s.svc.SessionPerson(r.Context(), hash)
		switch {
		case err == nil:
			ctx := context.WithValue(r.Context(), personKey, p)
			ctx = context.WithValue(ctx, tokenKey, hash)
			r = r.WithContext(ctx)
		case vestiging.ErrorCode(err) != vestiging.ENOTFOUND:
			s.fail(w, r, fmt.Errorf("session: %w", err))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func personFrom(ctx context.Context) *vestiging.Person {
	p, _ := ctx.Value(personKey).(*vestiging.Person)
	return p
}

// requireStaff sends visitors to the login page and refuses residents.
func (s *Server) requireStaff(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := personFrom(r.Context())
		if p == nil {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if !p.IsStaff() {
			s.errorPage(w, r, http.StatusForbidden, "This part of the site is for library staff only.")
			return
		}
		w.Header().Set("Cache-Control", "private, no-store")
		next.ServeHTTP(w, r)
	})
}

// safeNext allows only a path on this site as a destination after a form,
// so the login form cannot send people to another site; anything else is
// "" and the caller's default. Browsers drop tabs and newlines from a
// Location and read a backslash as a slash, so "/\t/evil.example" and
// "/\\evil.example" would leave the site: a control character or a
// backslash anywhere refuses the path, as does one that parses with a
// scheme or a host.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsRune(next, '\\') ||
		strings.ContainsFunc(next, unicode.IsControl) || !utf8.ValidString(next) {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") ||
		strings.HasPrefix(u.Path, "//") {
		return ""
	}
	return next
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	f := newForm(nil)
	f.Set("next", safeNext(r.URL.Query().Get("next")))
	p := s.newPage(r, nil)
	p.Form = f
	s.render(w, r, http.StatusOK, "login", p)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, err)
		return
	}
	email := strings.ToLower(strings.TrimSpace(r.PostForm.Get("email")))
	password := r.PostForm.Get("password")
	person, err := s.svc.PersonByEmail(r.Context(), email)
	if err != nil && vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
		s.fail(w, r, fmt.Errorf("login: %w", err))
		return
	}
	hash := dummyHash
	if person != nil {
		hash = person.PasswordHash
	}
	ok, err := vestiging.CheckPassword(r.Context(), hash, password)
	if err != nil {
		s.fail(w, r, fmt.Errorf("login: %w", err))
		return
	}
	if !ok || person == nil {
		f := newForm(nil)
		f.Set("email", r.PostForm.Get("email"))
		f.Set("next", safeNext(r.PostForm.Get("next")))
		p := s.newPage(r, badLogin)
		p.Form = f
		s.render(w, r, http.StatusUnauthorized, "login", p)
		return
	}

	if err := s.startSession(w, r, person); err != nil {
		s.fail(w, r, err)
		return
	}
	next := safeNext(r.PostForm.Get("next"))
	if next == "" {
		next = "/"
		if person.IsStaff() {
			next = "/staff/"
		}
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// startSession signs person in: a new session and its cookie.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, person *vestiging.Person) error {
	token := make([]byte, 32)
	_, _ = rand.Read(token) // crypto/rand.Read never fails on supported platforms
	value := hex.EncodeToString(token)
	now := s.now()
	sess := &vestiging.LoginSession{TokenHash: hashToken(value), PersonID: person.ID, CreatedAt: now, ExpiresAt: now.Add(sessionLifetime)}
	if err := s.svc.CreateSession(r.Context(), sess); err != nil {
		return fmt.Errorf("login session for person %d: %w", person.ID, err)
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: value, Path: "/", Expires: sess.ExpiresAt, MaxAge: int(sessionLifetime.Seconds()),
		HttpOnly: true, Secure: s.https(r), SameSite: http.SameSiteLaxMode,
	})
	return nil
}

// clearSessionCookie tells the browser to forget its session.
func (s *Server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.https(r), SameSite: http.SameSiteLaxMode})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if hash, ok := r.Context().Value(tokenKey).(string); ok {
		if err := s.svc.DeleteSession(r.Context(), hash); err != nil && vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
			s.fail(w, r, fmt.Errorf("logout: %w", err))
			return
		}
	}
	s.clearSessionCookie(w, r)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
