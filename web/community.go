package web

import "github.com/go-chi/chi/v5"

// communityRoutes adds the residents' offers, responses, replies and the
// moderation pages.
func (s *Server) communityRoutes(r chi.Router) {}

// communityCatalog is the Dutch for the community and moderation pages.
var communityCatalog = map[string]string{}
