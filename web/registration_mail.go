package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/ical"
)

// registrationMailWorker mails local people and guests about their
// registrations. The store queues its jobs with each change; the mail is
// written when the job runs, from the registration as it is then, and
// handed to the mail worker as a MailJob.
//
// Language: the worker has no visitor to ask, and a person keeps no
// language. Mails are in Dutch, and in English for an activity held in
// English, whose registrants the site would also address in English.
type registrationMailWorker struct {
	river.WorkerDefaults[vestiging.RegistrationMailJob]
	s *Server
}

// Work writes and queues the mail; a registration or event that is gone
// (deleted, anonymised) has no one left to tell.
func (w *registrationMailWorker) Work(ctx context.Context, job *river.Job[vestiging.RegistrationMailJob]) error {
	m, err := w.s.registrationMail(ctx, job.Args)
	switch {
	case errors.Is(err, errNoMail):
		return nil
	case vestiging.ErrorCode(err) == vestiging.ENOTFOUND:
		return river.JobCancel(err)
	case err != nil:
		return err
	}
	return w.s.queueMail(ctx, m, jobKey(job.JobRow))
}

// jobKey names the job that writes a mail, for MailJob.Key.
func jobKey(j *rivertype.JobRow) string { return fmt.Sprintf("%s %d", j.Kind, j.ID) }

// errNoMail: nothing to send, since the registration moved on since the
// job was queued (a waitlist mail for someone promoted meanwhile, a
// reminder for a cancelled registration) or belongs to a remote actor.
var errNoMail = errors.New("no mail for this registration now")

// registrationMail writes the mail of one notice, or errNoMail.
func (s *Server) registrationMail(ctx context.Context, job vestiging.RegistrationMailJob) (vestiging.Mail, error) {
	reg, err := s.svc.Registration(ctx, job.RegistrationID)
	if err != nil {
		return vestiging.Mail{}, fmt.Errorf("registration %d: %w", job.RegistrationID, err)
	}
	if reg.ActorID != 0 || reg.AnonymizedAt != nil || reg.Email == "" {
		return vestiging.Mail{}, errNoMail
	}
	if !vestiging.NoticeHolds(job.Notice, reg.State) {
		return vestiging.Mail{}, errNoMail
	}
	e, err := s.svc.Event(ctx, reg.EventID)
	if err != nil {
		return vestiging.Mail{}, fmt.Errorf("event %d of registration %d: %w", reg.EventID, reg.ID, err)
	}
	if e.Status == vestiging.StatusCancelled && job.Notice != vestiging.NoticeEventOff && job.Notice != vestiging.NoticeCancelled {
		return vestiging.Mail{}, errNoMail
	}
	if job.Notice == vestiging.NoticeEventOff && e.Status != vestiging.StatusCancelled {
		return vestiging.Mail{}, errNoMail // on again before this was sent: that mail says so
	}
	if job.Notice == vestiging.NoticeLinkChanged && !reg.Online(e) {
		return vestiging.Mail{}, errNoMail // a place in the library has no link
	}
	// At a hybrid activity the mail (and its calendar file) is about the
	// place they have: the library's, or the online meeting.
	var kind []mailPara
	if e.Hybrid() {
		kind = []mailPara{para(attendanceText(reg))}
	}
	e = e.As(reg.Attendance)
	lang := "nl"
	if e.Language == "en" {
		lang = "en"
	}
	t := func(k string) string { return s.locales.T(lang, k) }
	page := s.link(eventPath(e), nil)
	when := s.locales.Dates(lang).Span(e.StartsAt, e.EndsAt, e.Location())
	// A private online link goes to those with a place only, as the join
	// link with their token: it counts them, and a link changed later
	// still leads to the meeting.
	withLink, joining := reg.Holds(), false
	switch {
	case !withLink:
		e = e.Public()
	case !e.Remote() && e.HasOnlineMeeting():
		token, err := s.svc.JoinToken(ctx, reg.ID)
		if err != nil {
			return vestiging.Mail{}, err
		}
		e, joining = e.Relinked(s.link(eventPath(e)+"/join", url.Values{"token": {token}})), true
	}
	where := s.eventPlace(lang, e)
	if e.MeetsOnline() {
		where = t("Online")
		if e.OnlineURL != "" {
			where = fmt.Sprintf("%s: %s", t("Online"), e.OnlineURL)
		}
		if v := e.Venue(); v != nil && v.Name != "" {
			where = s.eventPlace(lang, e) + "; " + where
		}
	}
	facts := append([]mailPara{para("%s\n%s: %s\n%s: %s", e.Title, t("When"), when, t("Where"), where)}, kind...)
	switch {
	case e.LinkWithheld && reg.State == vestiging.RegistrationWaitlisted:
		facts = append(facts, para("The link to join online comes with your place."))
	case joining:
		facts = append(facts, para("The meeting opens 15 minutes before the start."))
	}
	if e.Kind == vestiging.KindCourse {
		facts = append(facts, para("One registration covers all sessions of this course (%d). The calendar file holds every session.", len(e.Sessions)))
	}
	facts = append(facts, para("More about the activity: %s", page))
	// The first mail of a sign-up repeats what was answered.
	var answers []mailPara
	if lines := answerLines(t, e, reg); lines != "" && (job.Notice == vestiging.NoticeConfirmed ||
		job.Notice == vestiging.NoticeWaitlisted || job.Notice == vestiging.NoticeGuest) {
		answers = []mailPara{para("Your answers:\n%s", lines)}
	}

	var cancel mailPara
	switch {
	case job.Token != "":
		cancel = para("Can you not come after all? Cancel with this link, so someone else gets your place: %s",
			s.link("/registrations/cancel", url.Values{"token": {job.Token}}))
	case reg.PersonID != 0:
		cancel = para("Can you not come after all? Cancel on %s, so someone else gets your place.", s.link("/account/registrations", nil))
	default:
		cancel = para("Can you not come after all? Cancel with the link in our first mail, so someone else gets your place.")
	}
	calendar := para("The attached calendar file adds the activity to your calendar.")

	var subject string
	var paras []mailPara
	withICS, cancelICS := false, false
	switch job.Notice {
	case vestiging.NoticeConfirmed:
		subject = "You are registered: %s"
		paras = append([]mailPara{para("You have a place at %s.", e.Title)}, facts...)
		paras = append(append(paras, answers...), calendar, cancel)
		withICS = true
	case vestiging.NoticePromoted:
		subject = "A place for you: %s"
		paras = append([]mailPara{para("A place has become free at %s, and it is yours now.", e.Title)}, facts...)
		paras = append(paras, calendar, cancel)
		withICS = true
	case vestiging.NoticeWaitlisted:
		subject = "On the waitlist: %s"
		paras = append([]mailPara{para("%s is full, so you are on the waitlist. If a place frees up, you get it automatically and we mail you.", e.Title)}, facts...)
		paras = append(append(paras, answers...), cancel)
	case vestiging.NoticeRejected:
		subject = "No place: %s"
		paras = append([]mailPara{para("Unfortunately there is no place for you at %s: it is full, or sign-up has closed.", e.Title)}, facts...)
	case vestiging.NoticeCancelled:
		subject = "Registration cancelled: %s"
		paras = append([]mailPara{para("Your registration for %s has been cancelled. Did you not ask for this? Then contact the library.", e.Title)}, facts...)
	case vestiging.NoticeGuest:
		if job.Token == "" {
			return vestiging.Mail{}, fmt.Errorf("guest mail for registration %d without its link: %w", reg.ID, errNoMail)
		}
		subject = "Confirm your registration: %s"
		paras = append([]mailPara{
			para("You signed up for %s. Confirm your registration with this link:", e.Title),
			para("%s", s.link("/registrations/confirm", url.Values{"token": {job.Token}})),
			para("Until you confirm, no place is held for you. Did you not sign up? Then ignore this mail."),
		}, facts...)
		paras = append(append(paras, answers...), cancel)
	case vestiging.NoticeReminder:
		subject = "Tomorrow: %s"
		paras = append([]mailPara{para("A reminder: %s is tomorrow.", e.Title)}, facts...)
		if reg.State == vestiging.RegistrationWaitlisted {
			paras = append(paras, para("You are still on the waitlist; we mail you if a place frees up."))
		}
		paras = append(paras, calendar, cancel)
		withICS = true
	case vestiging.NoticeChanged:
		subject = "Changed: %s"
		paras = append([]mailPara{para("The time or place of %s has changed. This is how it is now:", e.Title)}, facts...)
		paras = append(paras, para("The attached calendar file updates the activity in your calendar."), cancel)
		withICS = true
	case vestiging.NoticeLinkChanged:
		subject = "New online link: %s"
		paras = append([]mailPara{para("The library has replaced the link to join %s online; the old one no longer works. Your own link below leads to the new one.", e.Title)}, facts...)
		paras = append(paras, cancel)
	case vestiging.NoticeEventOff:
		subject = "Cancelled: %s"
		paras = []mailPara{para("Unfortunately %s will not take place. You need not do anything.", e.Title)}
		if e.CancelReason != "" {
			paras = append(paras, para("The library says why: %s", e.CancelReason))
		}
		paras = append(paras, facts...)
		paras = append(paras, para("The attached calendar file takes the activity out of your calendar. Should it take place after all, we mail you again."))
		cancelICS = true
	case vestiging.NoticeEventBack:
		subject = "On again: %s"
		first := para("Good news: %s takes place after all, and you still have your place.", e.Title)
		if reg.State == vestiging.RegistrationWaitlisted {
			first = para("Good news: %s takes place after all. You are still on the waitlist; we mail you if a place frees up.", e.Title)
		}
		paras = append([]mailPara{first}, facts...)
		paras = append(paras, para("The attached calendar file puts the activity back in your calendar."), cancel)
		withICS = true
	default:
		return vestiging.Mail{}, fmt.Errorf("registration %d: notice %q has no mail: %w", reg.ID, job.Notice, errNoMail)
	}
	m := s.accountMail(ctx, lang, reg.Email, reg.Name, subject, paras...)
	m.Subject = fmt.Sprintf(t(subject), e.Title)
	if withICS || cancelICS {
		data, err := s.eventCalendar(ctx, e, cancelICS, withLink)
		if err != nil {
			return vestiging.Mail{}, err
		}
		method := "PUBLISH"
		if cancelICS {
			method = "CANCEL"
		}
		m.Attachments = []vestiging.MailAttachment{{Name: t("activity.ics"),
			ContentType: "text/calendar; charset=utf-8; method=" + method, Data: data}}
	}
	return m, nil
}

// eventCalendar is one event as an iCalendar file, the same as in the
// feeds, so a later change or feed updates the same entry (same UID);
// with cancel it is the METHOD:CANCEL that takes it out of a calendar.
// withLink keeps a private online link, for someone with a place.
func (s *Server) eventCalendar(ctx context.Context, e *vestiging.Event, cancel, withLink bool) ([]byte, error) {
	themes, err := s.svc.Themes(ctx)
	if err != nil {
		return nil, fmt.Errorf("themes for the calendar file: %w", err)
	}
	opts := ical.EncodeOptions{Name: e.Title, BaseURL: s.baseURL, Themes: themes, Now: s.now(), Cancel: cancel, WithLink: withLink}
	if cancel {
		lib, err := s.svc.Library(ctx)
		if err != nil {
			return nil, fmt.Errorf("library for the calendar file: %w", err)
		}
		opts.OrganizerName, opts.OrganizerEmail = lib.Name, lib.Email
	}
	var buf bytes.Buffer
	if err := ical.Encode(&buf, []*vestiging.Event{e}, opts); err != nil {
		return nil, fmt.Errorf("calendar file of event %d: %w", e.ID, err)
	}
	return buf.Bytes(), nil
}

// Timeout bounds one job: two reads and an insert.
func (w *registrationMailWorker) Timeout(*river.Job[vestiging.RegistrationMailJob]) time.Duration {
	return time.Minute
}
