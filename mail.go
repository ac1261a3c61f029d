package vestiging

// Mail is a rendered email: plain text, optionally HTML as its alternative,
// and attachments such as an .ics file.
type Mail struct {
	To          string           `json:"to"`
	Subject     string           `json:"subject"`
	Text        string           `json:"text"`
	HTML        string           `json:"html,omitempty"`
	Attachments []MailAttachment `json:"attachments,omitempty"`
}

// MailAttachment is a file sent with a mail.
type MailAttachment struct {
	Name        string `json:"name"`         // file name shown to the recipient, e.g. "activiteit.ics"
	ContentType string `json:"content_type"` // e.g. "text/calendar; method=PUBLISH"
	Data        []byte `json:"data"`
}

// MailJob sends one mail in the background, retried while the SMTP server
// answers with a temporary error. Queue it with InsertJob, or in the
// transaction of the change that causes it.
type MailJob struct {
	Mail Mail `json:"mail"`
	// Key, when set, names the one cause of the mail (the job that wrote
	// it): a second MailJob with the key is not queued, so a job run again
	// after a crash does not send its mail twice.
	Key string `json:"key,omitempty" river:"unique"`
}

// Kind implements JobArgs.
func (MailJob) Kind() string { return "mail" }

// OnceKey implements Once.
func (j MailJob) OnceKey() string { return j.Key }
