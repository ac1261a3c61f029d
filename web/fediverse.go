package web

import (
	"fmt"
	"net/http"

	"github.com/vestiging/vestiging"
)

// fediverseView is what a page of the library's own event, course or
// offer shows of it in the fediverse: how often it was liked and shared
// there.
type fediverseView struct {
	Reactions vestiging.Reactions
}

// fediverse reads the fediverse part of the page of a public local event
// or offer (objectType ReplyToEvent or ReplyToOffer).
func (s *Server) fediverse(r *http.Request, objectType string, id int64) (*fediverseView, error) {
	counts, err := s.svc.Reactions(r.Context(), objectType, id)
	if err != nil {
		return nil, fmt.Errorf("reactions of %s %d: %w", objectType, id, err)
	}
	return &fediverseView{Reactions: counts}, nil
}
