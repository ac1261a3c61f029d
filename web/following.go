package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/vestiging/vestiging"
)

// requireAccount sends visitors to the login page first.
func (s *Server) requireAccount(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if personFrom(r.Context()) == nil {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		w.Header().Set("Cache-Control", "private, no-store")
		next.ServeHTTP(w, r)
	})
}

// myAgenda is "mijn agenda": the library's events and those of the
// libraries the signed-in resident follows.
func (s *Server) myAgenda(w http.ResponseWriter, r *http.Request) {
	s.renderAgenda(w, r, personFrom(r.Context()))
}

// residentLibraries lists the libraries a resident follows whose Accept
// arrived: theirs are the events in the resident's agenda.
func (s *Server) residentLibraries(ctx context.Context, me *vestiging.Person) ([]*vestiging.Actor, error) {
	libs := []*vestiging.Actor{}
	if s.fed == nil {
		return libs, nil
	}
	fs, err := s.fed.PersonFollowings(ctx, me.ID)
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		if f.State == vestiging.FollowAccepted {
			libs = append(libs, f.Actor)
		}
	}
	return libs, nil
}

type directoryData struct {
	Libraries []*vestiging.KnownLibrary
	Following map[int64]bool // actor ids the signed-in resident follows (any state)
	Map       *mapView       // where this library's branches and the others' are
}

// directory is the page about the libraries one can follow: those the
// library follows (their activities are in its agenda) and those following
// it, with a follow button for residents, and how to follow this library
// from Mastodon.
func (s *Server) directory(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	libs, err := s.fed.KnownLibraries(ctx, s.now())
	if err != nil {
		s.fail(w, r, fmt.Errorf("directory: %w", err))
		return
	}
	branches, err := s.svc.Branches(ctx)
	if err != nil {
		s.fail(w, r, fmt.Errorf("directory: %w", err))
		return
	}
	data := directoryData{Libraries: libs, Following: map[int64]bool{}, Map: s.networkMap(branches, libs)}
	if me := personFrom(ctx); me != nil {
		fs, err := s.fed.PersonFollowings(ctx, me.ID)
		if err != nil {
			s.fail(w, r, fmt.Errorf("directory: %w", err))
			return
		}
		for _, f := range fs {
			data.Following[f.Actor.ID] = true
		}
	}
	s.render(w, r, http.StatusOK, "libraries", s.newPage(r, data))
}

// networkMap puts this library's branches and the places other libraries
// give in their actors' location on one map; each links to its activities.
func (s *Server) networkMap(branches []*vestiging.Branch, libs []*vestiging.KnownLibrary) *mapView {
	mv := &mapView{mapTiles: s.tilesOf()}
	for _, b := range branches {
		if p := b.Place(); p.HasCoordinates() {
			mp := newMapPlace(p)
			mp.Link = "/agenda?branch=" + strconv.FormatInt(b.ID, 10)
			mv.Places = append(mv.Places, mp)
		}
	}
	for _, l := range libs {
		for _, p := range l.Actor.Places {
			name := l.Actor.DisplayName()
			if p.Name != "" && p.Name != name {
				name += ", " + p.Name
			}
			mp := mapPlace{Name: name, Address: p.Address, Lat: p.Latitude, Lon: p.Longitude, HasGeo: true,
				OSM: osmLink(&p.Latitude, &p.Longitude, p.Address)}
			if l.Followed || l.Upcoming > 0 {
				mp.Link = "/agenda?library=" + strconv.FormatInt(l.Actor.ID, 10)
			}
			mv.Places = append(mv.Places, mp)
		}
	}
	return mv
}

type followingData struct {
	Followings []*vestiging.PersonFollowing
}

// followingPage lists what the resident follows, with a form to follow a
// library by handle or address.
func (s *Server) followingPage(w http.ResponseWriter, r *http.Request) {
	s.renderFollowing(w, r, http.StatusOK, newForm(nil))
}

func (s *Server) renderFollowing(w http.ResponseWriter, r *http.Request, status int, f *form) {
	me := personFrom(r.Context())
	fs, err := s.fed.PersonFollowings(r.Context(), me.ID)
	if err != nil {
		s.fail(w, r, fmt.Errorf("following of %d: %w", me.ID, err))
		return
	}
	p := s.newPage(r, followingData{Followings: fs})
	p.Form = f
	s.render(w, r, status, "following", p)
}

// followAsResident has the resident follow a library by handle or
// address, as their own actor. What went wrong is shown next to the field,
// within followTimeout even when the other server does not answer.
func (s *Server) followAsResident(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	me := personFrom(r.Context())
	f := newForm(r.PostForm)
	target := f.Get("target")
	if target == "" {
		f.Add("target", "Give a handle such as @agenda@bibliotheek.example.nl, or an address.")
		s.renderFollowing(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), followTimeout)
	defer cancel()
	if _, err := s.network.FollowAs(ctx, me, target); err != nil {
		s.log.Info("resident follow failed", "person", me.ID, "target", target, "err", err)
		f.Add("target", followMessage(err))
		status := http.StatusUnprocessableEntity
		if vestiging.ErrorCode(err) == vestiging.EFORBIDDEN {
			status = http.StatusForbidden
		}
		s.renderFollowing(w, r, status, f)
		return
	}
	http.Redirect(w, r, "/account/following", http.StatusSeeOther)
}

// unfollowAsResident sends Undo as the resident and forgets the follow.
func (s *Server) unfollowAsResident(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	id, err := strconv.ParseInt(r.PostForm.Get("actor"), 10, 64)
	if err != nil || id < 1 {
		s.fail(w, r, vestiging.Errorf(vestiging.EINVALID, "The form could not be read."))
		return
	}
	me := personFrom(r.Context())
	if err := s.network.UnfollowAs(r.Context(), me, id); err != nil {
		s.fail(w, r, fmt.Errorf("unfollow %d as %d: %w", id, me.ID, err))
		return
	}
	next := safeNext(r.PostForm.Get("next"))
	if next == "" {
		next = "/account/following"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}
