package federation

import (
	"net/http"

	"github.com/riverqueue/river"
)

// Inbox receives signed POSTs to the shared inbox and the actor's inbox.
// Placeholder until the inbox lands: refuses everything.
func (f *Federator) Inbox(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "inbox not available yet", http.StatusServiceUnavailable)
}

func (f *Federator) addInboxWorkers(*river.Workers) {}
