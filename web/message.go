package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/riverqueue/river"

	"github.com/vestiging/vestiging"
)

// Private messages: a resident's response to an offer, the author's answer
// and what other servers send a resident directly. Nobody's email address
// is shown on the site. When the author of an offer answers a response,
// the mail telling the responder carries the author's address, so from
// then on the two can write to each other directly; until then only the
// site knows both addresses.

// sendMessage validates and stores a message; what the sender must fix
// goes into f (under "message"), the error is for anything else.
func (s *Server) sendMessage(r *http.Request, f *form, m *vestiging.Message) error {
	err := m.Validate()
	if err == nil {
		err = s.svc.CreateMessage(r.Context(), m)
	}
	return formError(f, "message", err, "send message")
}

type messagesData struct {
	Messages []*vestiging.Message
	Paging   paging
}

// messagesPage lists the messages the signed-in person sent and received.
func (s *Server) messagesPage(w http.ResponseWriter, r *http.Request) {
	me := personFrom(r.Context())
	q := r.URL.Query()
	page, offset, err := pageNumber(q, vestiging.DefaultPageSize)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := messagesData{}
	var total int
	if data.Messages, total, err = s.svc.Messages(r.Context(), me.ID, offset, vestiging.DefaultPageSize); err != nil {
		s.fail(w, r, fmt.Errorf("messages of person %d: %w", me.ID, err))
		return
	}
	data.Paging = newPaging("/account/messages", q, page, vestiging.DefaultPageSize, total)
	s.render(w, r, http.StatusOK, "messages", s.newPage(r, data))
}

type messageData struct {
	Message  *vestiging.Message
	Offer    *vestiging.Offer // what it is about, when it still exists
	Received bool             // the signed-in person is the recipient and may answer
	Sent     bool             // just sent
	Form     *form
}

// ownMessage loads the message in the path when the signed-in person sent
// or received it; anyone else's is not found.
func (s *Server) ownMessage(r *http.Request) (*vestiging.Message, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	m, err := s.svc.Message(r.Context(), id)
	if err != nil {
		return nil, fmt.Errorf("message %d: %w", id, err)
	}
	me := personFrom(r.Context())
	if m.FromPersonID != me.ID && m.ToPersonID != me.ID {
		return nil, vestiging.Errorf(vestiging.ENOTFOUND, "Not found.")
	}
	return m, nil
}

func (s *Server) messagePage(w http.ResponseWriter, r *http.Request) {
	m, err := s.ownMessage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if m.ToPersonID == personFrom(r.Context()).ID && m.ReadAt == nil {
		if err := s.svc.MarkMessageRead(r.Context(), m.ID); err != nil {
			s.fail(w, r, fmt.Errorf("mark message %d read: %w", m.ID, err))
			return
		}
	}
	s.renderMessage(w, r, http.StatusOK, m, newForm(nil))
}

func (s *Server) renderMessage(w http.ResponseWriter, r *http.Request, status int, m *vestiging.Message, f *form) {
	me := personFrom(r.Context())
	data := messageData{Message: m, Form: f, Received: m.ToPersonID == me.ID, Sent: r.URL.Query().Get("sent") != ""}
	if m.OfferID != 0 {
		o, err := s.svc.Offer(r.Context(), m.OfferID)
		switch {
		case err == nil:
			data.Offer = o
		case vestiging.ErrorCode(err) != vestiging.ENOTFOUND:
			s.fail(w, r, fmt.Errorf("offer of message %d: %w", m.ID, err))
			return
		}
	}
	s.render(w, r, status, "message", s.newPage(r, data))
}

// answerMessage sends the recipient's answer back to the sender, about the
// same offer.
func (s *Server) answerMessage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.mayPost(w, r)
	if !ok {
		return
	}
	m, err := s.ownMessage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if m.ToPersonID != me.ID {
		s.fail(w, r, vestiging.Errorf(vestiging.EINVALID, "You can only answer a message you received."))
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	answer := &vestiging.Message{FromPersonID: me.ID, ToPersonID: m.FromPersonID, ToActorID: m.FromActorID,
		OfferID: m.OfferID, EventID: m.EventID, InReplyTo: m.IRI, Content: vestiging.TextToHTML(f.Get("message"))}
	switch err := s.sendMessage(r, f, answer); {
	case err != nil:
		s.fail(w, r, err)
	case !f.Valid():
		s.renderMessage(w, r, http.StatusUnprocessableEntity, m, f)
	default:
		http.Redirect(w, r, fmt.Sprintf("/account/messages/%d?sent=1", answer.ID), http.StatusSeeOther)
	}
}

// messageMailWorker tells a resident by mail that a message arrived.
type messageMailWorker struct {
	river.WorkerDefaults[vestiging.MessageMailJob]
	s *Server
}

// Work writes the mail: the text, a link to answer on the site, and no
// sender address, except the offer's author's own when they answer a
// response to it (see the top of this file).
func (w *messageMailWorker) Work(ctx context.Context, job *river.Job[vestiging.MessageMailJob]) error {
	s := w.s
	m, err := s.svc.Message(ctx, job.Args.MessageID)
	if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		return river.JobCancel(err) // gone with a deleted account: nobody to tell
	}
	if err != nil {
		return fmt.Errorf("message mail %d: %w", job.Args.MessageID, err)
	}
	if m.ToPersonID == 0 {
		return nil // a remote recipient hears by a Note, not by mail
	}
	to, err := s.svc.Person(ctx, m.ToPersonID)
	if vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		return river.JobCancel(err)
	}
	if err != nil {
		return fmt.Errorf("message mail %d recipient: %w", m.ID, err)
	}
	mail, err := s.messageMail(ctx, m, to)
	if err != nil {
		return err
	}
	return s.queueMail(ctx, mail, jobKey(job.JobRow))
}

// messageMail writes the mail about message m to its recipient.
func (s *Server) messageMail(ctx context.Context, m *vestiging.Message, to *vestiging.Person) (vestiging.Mail, error) {
	from := m.FromName
	if from == "" {
		from = s.locales.T(defaultLang, "Someone")
	}
	paras := []mailPara{para("%s sent you a message:", from)}
	var offer *vestiging.Offer
	if m.OfferID != 0 {
		o, err := s.svc.Offer(ctx, m.OfferID)
		switch {
		case err == nil:
			offer = o
			paras = []mailPara{para("%s sent you a message about “%s”:", from, o.Title)}
		case vestiging.ErrorCode(err) != vestiging.ENOTFOUND:
			return vestiging.Mail{}, fmt.Errorf("message mail %d offer: %w", m.ID, err)
		}
	}
	paras = append(paras, para("%s", quote(vestiging.PlainText(m.Content))),
		para("Read and answer it on the site:"),
		para("%s", s.link(fmt.Sprintf("/account/messages/%d", m.ID), nil)))
	if offer != nil && !offer.Remote() && m.FromPersonID != 0 && m.FromPersonID == offer.AuthorID {
		author, err := s.svc.Person(ctx, m.FromPersonID)
		if err != nil {
			return vestiging.Mail{}, fmt.Errorf("message mail %d author: %w", m.ID, err)
		}
		paras = append(paras, para("%s answered your response, so you may also write to them directly: %s", from, author.Email))
	} else {
		paras = append(paras, para("Your email address has not been shared. Answer on the site; do not reply to this mail."))
	}
	return s.accountMail(ctx, defaultLang, to.Email, to.DisplayName, "You have a new message", paras...), nil
}

// quote marks every line of a message as quoted, as mail programs do.
func quote(text string) string {
	return "> " + strings.ReplaceAll(text, "\n", "\n> ")
}

// offerMailWorker tells a resident that staff approved or rejected their
// offer, with the reason of a rejection.
type offerMailWorker struct {
	river.WorkerDefaults[vestiging.OfferMailJob]
	s *Server
}

func (w *offerMailWorker) Work(ctx context.Context, job *river.Job[vestiging.OfferMailJob]) error {
	m, err := w.s.offerMail(ctx, job.Args)
	switch {
	case vestiging.ErrorCode(err) == vestiging.ENOTFOUND:
		return river.JobCancel(err) // the offer or its author is gone: nobody to tell
	case err != nil:
		return err
	}
	return w.s.queueMail(ctx, m, jobKey(job.JobRow))
}

// offerMail writes the mail of an OfferMailJob, in Dutch (a person keeps
// no language; see registrationMailWorker).
func (s *Server) offerMail(ctx context.Context, job vestiging.OfferMailJob) (vestiging.Mail, error) {
	o, err := s.svc.Offer(ctx, job.OfferID)
	if err != nil {
		return vestiging.Mail{}, fmt.Errorf("offer mail %d: %w", job.OfferID, err)
	}
	to, err := s.svc.Person(ctx, o.AuthorID)
	if err != nil {
		return vestiging.Mail{}, fmt.Errorf("offer mail %d author: %w", job.OfferID, err)
	}
	var subject string
	var paras []mailPara
	if job.Status == vestiging.OfferApproved {
		subject = "Your offer is on the board: %s"
		paras = []mailPara{para("The library has approved “%s”. It is on the board now: %s", o.Title, s.link(fmt.Sprintf("/offers/%d", o.ID), nil))}
	} else {
		subject = "Your offer was not approved: %s"
		paras = []mailPara{para("The library has not approved “%s”.", o.Title)}
		if o.Reason != "" {
			paras = append(paras, para("The library says why: %s", o.Reason))
		}
		paras = append(paras, para("You can change it and send it again on %s.", s.link("/account/offers", nil)))
	}
	m := s.accountMail(ctx, defaultLang, to.Email, to.DisplayName, subject, paras...)
	m.Subject = fmt.Sprintf(s.locales.T(defaultLang, subject), o.Title)
	return m, nil
}
