// Package federation holds the self-contained building blocks of
// ActivityPub federation: RSA keys, HTTP signatures (draft-cavage, as
// Mastodon and GoToSocial use them), the one outbound HTTP client that
// refuses private addresses, and conversion between the domain and
// ActivityStreams 2.0 JSON.
//
// URL scheme of the documents this instance publishes, relative to the
// instance's base URL:
//
//	base/actor               the library's Organization actor
//	base/actor#main-key      its public key
//	base/actor/inbox         its inbox; base/inbox is the shared inbox
//	base/actor/outbox        its outbox
//	base/actor/followers     its followers collection (a count only)
//	base/actor/following     the libraries it follows (accepted follows)
//	base/actor/libraries     of those, the organisations: how a joining library finds the network
//	base/actor/featured      its featured collection (empty)
//	base/actor/upcoming      its upcomingEvents collection (FEP-8a8e)
//	base/activities/{hash}   a published activity, as sent
//	base/offers/{id}         an approved offer or request (a Page)
//	base/library             the library's HTML page, the actor's url
//	base/events/{id}         an event (the same URL answers HTML and AS2)
//	base/courses/{id}        a course; its sessions are base/courses/{id}#session-{sessionID}
//	base/themes/{slug}       the page a theme hashtag links to
package federation
