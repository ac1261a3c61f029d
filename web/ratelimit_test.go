package web

import (
	"net/http"
	"net/url"
	"testing"
)

// TestSharedRateLimits: two servers over one database, as two `serve`
// processes behind one address, keep one budget per limit: the request
// after the budget is refused on either. Signed-in people are counted
// apart, wherever they connect from.
func TestSharedRateLimits(t *testing.T) {
	forBackends(t, func(t *testing.T, e *env) {
		second := newEnvWith(t, e.db, e.clock, e.db)
		servers := []*env{e, second}
		anna, annaC := e.resident("anna@example.nl")
		_, bertC := e.resident("bert@example.nl")
		wrongPassword := url.Values{"current_password": {"geraden"}, "new_password": {"nieuw wachtwoord"},
			"new_password_confirm": {"nieuw wachtwoord"}}

		t.Run("OneBudget", func(t *testing.T) {
			c := e.client()
			for i := range 10 {
				s := servers[i%2]
				if res := s.post(c, "/password/forgot", url.Values{"email": {"x@example.nl"}}); res.Status == http.StatusTooManyRequests {
					t.Fatalf("request %d to server %d: refused within the budget", i+1, i%2+1)
				}
			}
			for _, s := range servers {
				res := s.post(c, "/password/forgot", url.Values{"email": {"x@example.nl"}})
				wantStatus(t, res, http.StatusTooManyRequests)
				wantContains(t, res, "Te veel pogingen.")
			}
		})
		t.Run("SignedInApart", func(t *testing.T) {
			// The address's budget is spent (OneBudget); a signed-in
			// resident at the same address still has their own.
			res := second.post(annaC, "/account/confirm", nil)
			wantStatus(t, res, http.StatusOK)
			wantContains(t, res, "We hebben een e-mail gestuurd")
		})
		t.Run("PasswordChecks", func(t *testing.T) {
			for i := range passwordChecks {
				wantStatus(t, servers[i%2].post(annaC, "/account/password", wrongPassword), http.StatusUnprocessableEntity)
			}
			res := second.post(annaC, "/account/password", wrongPassword)
			wantStatus(t, res, http.StatusTooManyRequests)
			wantContains(t, res, "Wacht een paar minuten")
			// Deleting the account checks the password too: the same budget.
			wantStatus(t, e.post(annaC, "/account/delete", url.Values{"password": {"correct horse battery"}}), http.StatusTooManyRequests)
			if _, err := e.db.Person(t.Context(), anna.ID); err != nil {
				t.Errorf("anna after a refused delete: %v", err)
			}
			// Bert, at the same address, has his own budget.
			wantStatus(t, e.post(bertC, "/account/password", wrongPassword), http.StatusUnprocessableEntity)
		})
		t.Run("ReadingNotLimited", func(t *testing.T) {
			wantStatus(t, second.get(annaC, "/account"), http.StatusOK)
		})
	})
}
