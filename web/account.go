package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vestiging/vestiging"
)

// Resident accounts: sign-up with email confirmation, password reset by
// email, the account page, export and deletion.
//
// A resident may sign in before confirming their address: the layout asks
// them to confirm, and what acts in their name towards others waits until
// they have (Person.Confirmed: federation's FollowAs refuses to follow for
// them, and so should signing up for activities). Signing up does not sign
// in, so a second sign-up with a known address gets exactly the same answer
// as a new one.

// notice is a page that only tells something, with an optional link onward.
type notice struct {
	Title    string // English catalog keys
	Message  string
	Arg      string // fills a %s in Message
	LinkURL  string
	LinkText string
}

func (s *Server) noticePage(w http.ResponseWriter, r *http.Request, status int, n notice) {
	s.render(w, r, status, "notice", s.newPage(r, n))
}

// queueMail hands a mail to the background worker. A job that writes the
// mail gives a key of its own (jobKey), so running again after a crash
// queues it once; a request gives "".
func (s *Server) queueMail(ctx context.Context, m vestiging.Mail, key string) error {
	if err := s.svc.InsertJob(ctx, vestiging.MailJob{Mail: m, Key: key}); err != nil {
		return fmt.Errorf("queue mail %q: %w", m.Subject, err)
	}
	return nil
}

// link is an absolute address on this site for a mail.
func (s *Server) link(path string, query url.Values) string {
	u := s.baseURL.JoinPath(path)
	u.RawQuery = query.Encode()
	return u.String()
}

// accountMail writes a mail in lang: a greeting, the paragraphs (English
// catalog keys, each formatted with its args) and the library's name.
func (s *Server) accountMail(ctx context.Context, lang, to, name, subject string, paras ...mailPara) vestiging.Mail {
	t := func(k string) string { return s.locales.T(lang, k) }
	var b strings.Builder
	if name != "" {
		fmt.Fprintf(&b, t("Hello %s,"), name)
	} else {
		b.WriteString(t("Hello,"))
	}
	b.WriteString("\n\n")
	for _, p := range paras {
		fmt.Fprintf(&b, t(p.text), p.args...)
		b.WriteString("\n\n")
	}
	b.WriteString(t("Kind regards,"))
	b.WriteString("\n")
	b.WriteString(s.libraryName(ctx))
	b.WriteString("\n")
	m := vestiging.Mail{To: to, Subject: t(subject), Text: b.String()}
	s.lookMail(ctx, lang, &m)
	return m
}

type mailPara struct {
	text string
	args []any
}

func para(text string, args ...any) mailPara { return mailPara{text, args} }

// sendToken creates a single-use token for p and mails its link.
func (s *Server) sendToken(ctx context.Context, p *vestiging.Person, purpose string) error {
	token, hash := vestiging.NewToken()
	lifetime, path, subject := vestiging.ConfirmTokenLifetime, "/confirm", "Confirm your email address"
	if purpose == vestiging.TokenReset {
		lifetime, path, subject = vestiging.ResetTokenLifetime, "/password/reset", "Choose a new password"
	}
	if err := s.svc.CreateToken(ctx, &vestiging.Token{Hash: hash, PersonID: p.ID, Purpose: purpose,
		ExpiresAt: s.now().Add(lifetime)}); err != nil {
		return fmt.Errorf("%s token for person %d: %w", purpose, p.ID, err)
	}
	link := s.link(path, url.Values{"token": {token}})
	lang, site := langFrom(ctx), s.libraryName(ctx)
	var m vestiging.Mail
	if purpose == vestiging.TokenReset {
		m = s.accountMail(ctx, lang, p.Email, p.DisplayName, subject,
			para("Someone asked to reset the password of your account at %s. Choose a new password with this link within an hour:", site),
			para("%s", link),
			para("The link works once. Did you not ask for this? Then ignore this mail: your password stays as it is."))
	} else {
		m = s.accountMail(ctx, lang, p.Email, p.DisplayName, subject,
			para("Welcome to %s. Confirm your email address with this link within 48 hours:", site),
			para("%s", link),
			para("Did you not create an account? Then ignore this mail."))
	}
	return s.queueMail(ctx, m, "")
}

// libraryHandle is the library actor's own name, which no resident may take.
func (s *Server) libraryHandle() string {
	if s.ap == nil {
		return ""
	}
	name, _, _ := strings.Cut(strings.TrimPrefix(s.ap.Acct(), "acct:"), "@")
	return name
}

func (s *Server) signupForm(w http.ResponseWriter, r *http.Request) {
	if personFrom(r.Context()) != nil {
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return
	}
	p := s.newPage(r, nil)
	p.Form = newForm(nil)
	s.render(w, r, http.StatusOK, "signup", p)
}

// checkNewPassword validates a new password and its repetition into f and
// hashes it into p. The error is one that is not the password's fault (no
// hashing slot before the request ended).
func checkNewPassword(ctx context.Context, f *form, p *vestiging.Person, field, confirmField string) error {
	password := f.Get(field)
	err := p.SetPassword(ctx, password)
	switch {
	case vestiging.FieldErrors(err) != nil:
		f.Add(field, vestiging.FieldErrors(err)["password"])
	case err != nil:
		return err
	case f.Get(confirmField) != password:
		f.Add(confirmField, "The two passwords are not the same.")
	}
	return nil
}

// passwordMatches checks a password the form was sent with against the
// person's hash, adding "not correct" to f under field when it does not match.
func passwordMatches(ctx context.Context, f *form, me *vestiging.Person, field, password string) error {
	ok, err := vestiging.CheckPassword(ctx, me.PasswordHash, password)
	if err == nil && !ok {
		f.Add(field, "The password is not correct.")
	}
	return err
}

func (s *Server) signup(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	f := newForm(r.PostForm)
	p := &vestiging.Person{Email: f.Get("email"), DisplayName: f.Get("display_name"), Role: vestiging.RoleResident,
		Handle: f.Get("handle")}
	// Hashing first costs a new and a known address the same time.
	if err := checkNewPassword(r.Context(), f, p, "password", "password_confirm"); err != nil {
		s.fail(w, r, fmt.Errorf("sign-up: %w", err))
		return
	}
	if p.PasswordHash == "" {
		p.PasswordHash = "-" // Validate below then reports only the other fields
	}
	if err := p.Validate(); err != nil {
		f.AddDomain(vestiging.FieldErrors(err))
	}
	if p.Handle == "" {
		f.Add("handle", "This field is required.")
	} else if p.Handle == s.libraryHandle() {
		f.Add("handle", "This name is reserved; choose another.")
	}
	if f.Valid() {
		if _, err := s.svc.PersonByHandle(ctx, p.Handle); err == nil {
			f.Add("handle", "This name is already taken.")
		} else if vestiging.ErrorCode(err) != vestiging.ENOTFOUND {
			s.fail(w, r, fmt.Errorf("signup: %w", err))
			return
		}
	}
	if !f.Valid() {
		pg := s.newPage(r, nil)
		pg.Form = f
		s.render(w, r, http.StatusUnprocessableEntity, "signup", pg)
		return
	}
	err := s.svc.CreatePerson(ctx, p)
	switch {
	case err == nil:
		err = s.sendToken(ctx, p, vestiging.TokenConfirm)
	case vestiging.FieldErrors(err)["email"] != "":
		err = s.signupNotice(ctx, p.Email)
	case vestiging.FieldErrors(err)["handle"] != "": // taken in the meantime
		f.AddDomain(vestiging.FieldErrors(err))
		pg := s.newPage(r, nil)
		pg.Form = f
		s.render(w, r, http.StatusUnprocessableEntity, "signup", pg)
		return
	}
	if err != nil {
		s.fail(w, r, fmt.Errorf("signup: %w", err))
		return
	}
	s.noticePage(w, r, http.StatusOK, notice{Title: "Check your email",
		Message: "We sent a mail to %s. Open the link in it within 48 hours to confirm your address. No mail? Look in your spam folder.",
		Arg:     p.Email, LinkURL: "/login", LinkText: "Sign in"})
}

// signupNotice tells the owner of a known address that someone tried to
// sign up with it, instead of telling the visitor.
func (s *Server) signupNotice(ctx context.Context, email string) error {
	owner, err := s.svc.PersonByEmail(ctx, email)
	if err != nil {
		return fmt.Errorf("signup notice: %w", err)
	}
	site := s.libraryName(ctx)
	return s.queueMail(ctx, s.accountMail(ctx, langFrom(ctx), owner.Email, owner.DisplayName,
		"Someone tried to create an account with your address",
		para("Someone tried to create a new account at %s with this email address. You already have an account, so nothing has changed.", site),
		para("Was it you? Sign in at %s, or choose a new password at %s.", s.link("/login", nil), s.link("/password/forgot", nil)),
		para("Was it not you? Then ignore this mail.")), "")
}

// confirmPage is where the mail's link leads: a button that confirms.
// Mail scanners open links, and a GET that confirmed would confirm an
// address for whoever signed up with it.
func (s *Server) confirmPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "confirm_email", s.newPage(r, r.URL.Query().Get("token")))
}

// confirm spends the confirmation token the button sends.
func (s *Server) confirm(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	token := r.PostForm.Get("token")
	p, err := s.svc.UseToken(r.Context(), vestiging.HashToken(token), vestiging.TokenConfirm)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	next, text := "/login", "Sign in"
	if me := personFrom(r.Context()); me != nil {
		next, text = "/account", "My account"
		if me.ID == p.ID { // this page already shows them confirmed
			r = r.WithContext(context.WithValue(r.Context(), personKey, p))
		}
	}
	s.noticePage(w, r, http.StatusOK, notice{Title: "Your email address is confirmed",
		Message: "Thank you. You can now follow libraries and sign up for activities.", LinkURL: next, LinkText: text})
}

// resendConfirmation mails a new confirmation link to the signed-in resident.
func (s *Server) resendConfirmation(w http.ResponseWriter, r *http.Request) {
	me := personFrom(r.Context())
	if !me.Confirmed() {
		if err := s.sendToken(r.Context(), me, vestiging.TokenConfirm); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.noticePage(w, r, http.StatusOK, notice{Title: "Check your email",
		Message: "We sent a mail to %s. Open the link in it within 48 hours to confirm your address. No mail? Look in your spam folder.",
		Arg:     me.Email, LinkURL: "/account", LinkText: "My account"})
}

func (s *Server) forgotForm(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, nil)
	p.Form = newForm(nil)
	s.render(w, r, http.StatusOK, "password_forgot", p)
}

// forgot always gives the same answer, whether the address is known or not.
func (s *Server) forgot(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, err)
		return
	}
	email := strings.ToLower(strings.TrimSpace(r.PostForm.Get("email")))
	p, err := s.svc.PersonByEmail(r.Context(), email)
	switch {
	case err == nil:
		err = s.sendToken(r.Context(), p, vestiging.TokenReset)
	case vestiging.ErrorCode(err) == vestiging.ENOTFOUND:
		err = nil
	}
	if err != nil {
		s.fail(w, r, fmt.Errorf("forgot password: %w", err))
		return
	}
	s.noticePage(w, r, http.StatusOK, notice{Title: "Check your email",
		Message: "If there is an account for %s, we sent it a link to choose a new password. The link works for an hour.",
		Arg:     email, LinkURL: "/login", LinkText: "Sign in"})
}

func (s *Server) resetForm(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, nil)
	p.Form = newForm(url.Values{"token": {r.URL.Query().Get("token")}})
	s.render(w, r, http.StatusOK, "password_reset", p)
}

// reset spends the link, sets the new password and signs the person out
// everywhere: whoever knew the old password is out. A valid link also
// proves the address, so it confirms it.
func (s *Server) reset(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	f := newForm(r.PostForm)
	var fresh vestiging.Person
	if err := checkNewPassword(ctx, f, &fresh, "password", "password_confirm"); err != nil {
		s.fail(w, r, fmt.Errorf("password reset: %w", err))
		return
	}
	if !f.Valid() {
		pg := s.newPage(r, nil)
		pg.Form = f
		s.render(w, r, http.StatusUnprocessableEntity, "password_reset", pg)
		return
	}
	p, err := s.svc.UseToken(ctx, vestiging.HashToken(f.Get("token")), vestiging.TokenReset)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.PasswordHash = fresh.PasswordHash
	if p.ConfirmedAt == nil {
		now := s.now()
		p.ConfirmedAt = &now
	}
	if err := s.svc.UpdatePerson(ctx, p); err != nil {
		s.fail(w, r, fmt.Errorf("reset password: %w", err))
		return
	}
	if err := s.svc.DeleteSessions(ctx, p.ID); err != nil {
		s.fail(w, r, fmt.Errorf("reset password: %w", err))
		return
	}
	s.clearSessionCookie(w, r)
	s.noticePage(w, r, http.StatusOK, notice{Title: "Your password has been changed",
		Message: "You have been signed out everywhere. Sign in with your new password.", LinkURL: "/login", LinkText: "Sign in"})
}

// accountData is the account page's own data.
type accountData struct {
	Saved           bool
	PasswordChanged bool
	ProfileForm     *form
	PasswordForm    *form
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	me := personFrom(r.Context())
	profile := newForm(url.Values{"display_name": {me.DisplayName}})
	if me.Discoverable {
		profile.Set("discoverable", "1")
	}
	q := r.URL.Query()
	s.renderAccount(w, r, http.StatusOK, &accountData{Saved: q.Get("saved") != "", PasswordChanged: q.Get("password") != "",
		ProfileForm: profile, PasswordForm: newForm(nil)})
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, status int, d *accountData) {
	s.render(w, r, status, "account", s.newPage(r, d))
}

func (s *Server) updateAccount(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, err)
		return
	}
	me := *personFrom(r.Context())
	f := newForm(r.PostForm)
	me.DisplayName, me.Discoverable = f.Get("display_name"), f.Get("discoverable") != ""
	if err := s.svc.UpdatePerson(r.Context(), &me); err != nil {
		if fields := vestiging.FieldErrors(err); fields != nil {
			f.AddDomain(fields)
			s.renderAccount(w, r, http.StatusUnprocessableEntity, &accountData{ProfileForm: f, PasswordForm: newForm(nil)})
			return
		}
		s.fail(w, r, fmt.Errorf("update account: %w", err))
		return
	}
	http.Redirect(w, r, "/account?saved=1", http.StatusSeeOther)
}

// changePassword needs the current password, and signs out every other session.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, err)
		return
	}
	me := *personFrom(r.Context())
	f := newForm(r.PostForm)
	err := passwordMatches(r.Context(), f, &me, "current_password", f.Get("current_password"))
	if err == nil {
		err = checkNewPassword(r.Context(), f, &me, "new_password", "new_password_confirm")
	}
	if err != nil {
		s.fail(w, r, fmt.Errorf("change password: %w", err))
		return
	}
	if !f.Valid() {
		profile := newForm(url.Values{"display_name": {me.DisplayName}})
		s.renderAccount(w, r, http.StatusUnprocessableEntity, &accountData{ProfileForm: profile, PasswordForm: f})
		return
	}
	if err := s.svc.UpdatePerson(r.Context(), &me); err != nil {
		s.fail(w, r, fmt.Errorf("change password: %w", err))
		return
	}
	if err := s.svc.DeleteSessions(r.Context(), me.ID); err != nil {
		s.fail(w, r, fmt.Errorf("change password: %w", err))
		return
	}
	if err := s.startSession(w, r, &me); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/account?password=1", http.StatusSeeOther)
}

// accountExport is everything the site keeps about a resident, for
// /account/export (the GDPR's right of access and to data portability).
type accountExport struct {
	ExportedAt    time.Time            `json:"exported_at"`
	Profile       exportProfile        `json:"profile"`
	Offers        []exportOffer        `json:"offers"`
	Registrations []exportRegistration `json:"registrations"`
	Following     []exportFollow       `json:"following"`
	Sessions      []exportSession      `json:"sessions"`
}

type exportProfile struct {
	ID           int64      `json:"id"`
	Email        string     `json:"email"`
	DisplayName  string     `json:"display_name"`
	Handle       string     `json:"handle,omitempty"`
	Role         string     `json:"role"`
	Discoverable bool       `json:"discoverable"`
	CreatedAt    time.Time  `json:"created_at"`
	ConfirmedAt  *time.Time `json:"confirmed_at"`
}

type exportOffer struct {
	ID          int64     `json:"id"`
	Kind        string    `json:"kind"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Theme       string    `json:"theme,omitempty"`
	Area        string    `json:"area,omitempty"`
	Contact     string    `json:"contact,omitempty"`
	Status      string    `json:"status"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

type exportFollow struct {
	Actor     string    `json:"actor"`
	Name      string    `json:"name"`
	State     string    `json:"state"`
	CreatedAt time.Time `json:"created_at"`
}

type exportSession struct {
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (s *Server) exportAccount(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	me := personFrom(ctx)
	out := accountExport{ExportedAt: s.now().UTC(), Offers: []exportOffer{}, Following: []exportFollow{}, Sessions: []exportSession{},
		Profile: exportProfile{ID: me.ID, Email: me.Email, DisplayName: me.DisplayName, Handle: me.Handle, Role: me.Role,
			Discoverable: me.Discoverable, CreatedAt: me.CreatedAt, ConfirmedAt: me.ConfirmedAt}}
	for offset := 0; ; offset += 100 {
		offers, total, err := s.svc.FindOffers(ctx, vestiging.OfferFilter{AuthorID: me.ID, Offset: offset, Limit: 100})
		if err != nil {
			s.fail(w, r, fmt.Errorf("export offers: %w", err))
			return
		}
		for _, o := range offers {
			out.Offers = append(out.Offers, exportOffer{ID: o.ID, Kind: o.Kind, Title: o.Title, Description: o.Description,
				Theme: o.Theme, Area: o.Area, Contact: o.Contact, Status: o.Status, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt})
		}
		if offset+100 >= total {
			break
		}
	}
	var err error
	if out.Registrations, err = s.exportRegistrations(ctx, me.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	if s.fed != nil {
		follows, err := s.fed.PersonFollowings(ctx, me.ID)
		if err != nil {
			s.fail(w, r, fmt.Errorf("export follows: %w", err))
			return
		}
		for _, f := range follows {
			out.Following = append(out.Following, exportFollow{Actor: f.Actor.IRI, Name: f.Actor.DisplayName(),
				State: f.State, CreatedAt: f.CreatedAt})
		}
	}
	sessions, err := s.svc.PersonSessions(ctx, me.ID)
	if err != nil {
		s.fail(w, r, fmt.Errorf("export sessions: %w", err))
		return
	}
	for _, ls := range sessions {
		out.Sessions = append(out.Sessions, exportSession{CreatedAt: ls.CreatedAt, ExpiresAt: ls.ExpiresAt})
	}
	body, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		s.fail(w, r, fmt.Errorf("export: %w", err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="account-`+s.now().Format("2006-01-02")+`.json"`)
	h.Set("Cache-Control", "private, no-store")
	_, _ = w.Write(body)
}

func (s *Server) deleteAccountForm(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, nil)
	p.Form = newForm(nil)
	s.render(w, r, http.StatusOK, "account_delete", p)
}

// deleteAccount removes the resident and everything of theirs; the store
// queues the federation's Delete of their actor with it.
func (s *Server) deleteAccount(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, err)
		return
	}
	me := personFrom(r.Context())
	f := newForm(nil)
	if err := passwordMatches(r.Context(), f, me, "password", r.PostForm.Get("password")); err != nil {
		s.fail(w, r, fmt.Errorf("delete account: %w", err))
		return
	}
	if !f.Valid() {
		p := s.newPage(r, nil)
		p.Form = f
		s.render(w, r, http.StatusUnprocessableEntity, "account_delete", p)
		return
	}
	if err := s.svc.DeletePerson(r.Context(), me.ID); err != nil {
		s.fail(w, r, fmt.Errorf("delete account: %w", err))
		return
	}
	s.clearSessionCookie(w, r)
	// The page after must not show the deleted person as signed in.
	r = r.WithContext(context.WithValue(r.Context(), personKey, (*vestiging.Person)(nil)))
	s.noticePage(w, r, http.StatusOK, notice{Title: "Your account has been deleted",
		Message: "Your account and everything you shared here have been removed.", LinkURL: "/agenda", LinkText: "Agenda"})
}
