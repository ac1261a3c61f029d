// Package vestiging holds the domain of a library's branch of the national
// virtual library: libraries, branches, events and courses, offers, people,
// and the service interfaces the store implements and the web and
// federation packages use. It imports none of them.
package vestiging

import (
	"context"
	"time"
)

// Version is the software version reported by NodeInfo and the CLI.
var Version = "0.1.0"

// Clock returns the current time; stores and handlers take one so tests can set it.
type Clock func() time.Time

// Now is the real clock, in UTC.
func Now() time.Time { return time.Now().UTC() }

// DefaultTimeZone is the zone events are shown in unless they say otherwise.
const DefaultTimeZone = "Europe/Amsterdam"

// Services bundles what the web and the CLI need from storage.
type Services interface {
	LibraryService
	PlaceService
	ThemeService
	EventService
	OfferService
	RegistrationService
	ReplyService
	ReactionService
	MessageService
	ModerationService
	PersonService
	SessionService
	APIService
	WebhookService
	RateService
	StatisticsService
	PageService
	// InsertJob queues background work, such as a MailJob.
	InsertJob(ctx context.Context, args JobArgs) error
	Ping(ctx context.Context) error
}
