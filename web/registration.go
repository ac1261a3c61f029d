package web

import "github.com/go-chi/chi/v5"

// registrationRoutes adds sign-up, cancel and the staff attendee pages.
func (s *Server) registrationRoutes(r chi.Router) {}

// registrationCatalog is the Dutch for the registration pages and mails.
var registrationCatalog = map[string]string{}
