package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store"
)

// Run runs the conformance suite. open returns a fresh, migrated database
// for each subtest, so cases never see each other's rows.
func Run(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("Ping", func(t *testing.T) {
		if err := open(t).Ping(t.Context()); err != nil {
			t.Fatalf("ping: %v", err)
		}
	})
	t.Run("Library", func(t *testing.T) { testLibrary(t, open) })
	t.Run("Branches", func(t *testing.T) { testBranches(t, open) })
	t.Run("ActorUpdates", func(t *testing.T) { testActorUpdates(t, open) })
	t.Run("Themes", func(t *testing.T) { testThemes(t, open) })
	t.Run("Places", func(t *testing.T) { testPlaces(t, open) })
	t.Run("Events", func(t *testing.T) { testEvents(t, open) })
	t.Run("EventDetails", func(t *testing.T) { testEventDetails(t, open) })
	t.Run("FindEvents", func(t *testing.T) { testFindEvents(t, open) })
	t.Run("Search", func(t *testing.T) { testSearch(t, open) })
	t.Run("Series", func(t *testing.T) { testSeries(t, open) })
	t.Run("Import", func(t *testing.T) { testImport(t, open) })
	t.Run("Offers", func(t *testing.T) { testOffers(t, open) })
	t.Run("People", func(t *testing.T) { testPeople(t, open) })
	t.Run("Sessions", func(t *testing.T) { testSessions(t, open) })
	t.Run("Residents", func(t *testing.T) { testResidents(t, open) })
	t.Run("DeletePerson", func(t *testing.T) { testDeletePerson(t, open) })
	t.Run("Tokens", func(t *testing.T) { testTokens(t, open) })
	t.Run("DeleteSessions", func(t *testing.T) { testDeleteSessions(t, open) })
	t.Run("InstanceKey", func(t *testing.T) { testInstanceKey(t, open) })
	t.Run("Actors", func(t *testing.T) { testActors(t, open) })
	t.Run("Followers", func(t *testing.T) { testFollowers(t, open) })
	t.Run("Following", func(t *testing.T) { testFollowing(t, open) })
	t.Run("PersonKey", func(t *testing.T) { testPersonKey(t, open) })
	t.Run("PersonFollowing", func(t *testing.T) { testPersonFollowing(t, open) })
	t.Run("Activities", func(t *testing.T) { testActivities(t, open) })
	t.Run("RemoteEvents", func(t *testing.T) { testRemoteEvents(t, open) })
	t.Run("Hosts", func(t *testing.T) { testHosts(t, open) })
	t.Run("DomainRules", func(t *testing.T) { testDomainRules(t, open) })
	t.Run("PublishEvents", func(t *testing.T) { testPublishEvents(t, open) })
	t.Run("PublishOffers", func(t *testing.T) { testPublishOffers(t, open) })
	t.Run("Replies", func(t *testing.T) { testReplies(t, open) })
	t.Run("Reactions", func(t *testing.T) { testReactions(t, open) })
	t.Run("Moderation", func(t *testing.T) { testModeration(t, open) })
	t.Run("ProgrammeAudit", func(t *testing.T) { testProgrammeAudit(t, open) })
	t.Run("Registrations", func(t *testing.T) { testRegistrations(t, open) })
	t.Run("Questions", func(t *testing.T) { testQuestions(t, open) })
	t.Run("Messages", func(t *testing.T) { testMessages(t, open) })
	t.Run("APITokens", func(t *testing.T) { testAPITokens(t, open) })
	t.Run("Idempotency", func(t *testing.T) { testIdempotency(t, open) })
	t.Run("Webhooks", func(t *testing.T) { testWebhooks(t, open) })
	t.Run("Pages", func(t *testing.T) { testPages(t, open) })
}

// wantCode fails the test unless err carries the domain error code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := vestiging.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

// Same is same for the other packages' tests.
func Same(t *testing.T, what string, got, want any) {
	t.Helper()
	same(t, what, got, want)
}

// same fails the test unless got and want encode to the same JSON, which
// compares nested branches and sessions by value and times as instants
// (both must be in UTC, as the store returns them).
func same(t *testing.T, what string, got, want any) {
	t.Helper()
	g, err1 := json.Marshal(got)
	w, err2 := json.Marshal(want)
	if err1 != nil || err2 != nil {
		t.Fatalf("%s: encode: %v %v", what, err1, err2)
	}
	if string(g) != string(w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// between fails unless lo <= got <= hi, for times set from a real clock.
func between(t *testing.T, what string, got, lo, hi time.Time) {
	t.Helper()
	if got.Before(lo.Truncate(time.Microsecond)) || got.After(hi) {
		t.Errorf("%s = %v, want between %v and %v", what, got, lo, hi)
	}
}

func ptr[T any](v T) *T { return &v }
