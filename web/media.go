package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/media"
)

// maxUploadBody caps a form with an image: the image and the form's fields.
const maxUploadBody = media.MaxBytes + maxBodyBytes

func isMultipart(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data")
}

// mediaDoor serves uploads at /media/. With a separate media host, that
// host serves uploads and nothing else, and the site's own host (the
// ActivityPub origin) serves none (DESIGN.md §4).
func (s *Server) mediaDoor(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		isMedia := strings.HasPrefix(r.URL.Path, "/media/")
		onMediaHost := s.mediaHost != "" && strings.EqualFold(r.Host, s.mediaHost)
		switch {
		case s.media != nil && isMedia && (s.mediaHost == "" || onMediaHost):
			if note, ok := r.Context().Value(routeNoteKey{}).(*routeNote); ok {
				note.pattern = "/media/{name}"
			}
			s.media.ServeHTTP(w, r)
		case onMediaHost:
			http.NotFound(w, r)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// upload stores the image posted in field, if any, and returns its address.
// A file that is not a fitting image adds its reason to the form and
// returns ""; only a failure to store it is an error.
func (s *Server) upload(r *http.Request, f *form, field string) (string, error) {
	if s.media == nil || r.MultipartForm == nil {
		return "", nil
	}
	file, _, err := r.FormFile(field)
	if errors.Is(err, http.ErrMissingFile) {
		return "", nil
	}
	if err != nil {
		f.Add(field, "This image could not be read. Save it again as JPEG or PNG and try once more.")
		return "", nil
	}
	defer file.Close()
	img, err := s.media.Save(file)
	switch vestiging.ErrorCode(err) {
	case "":
		return s.mediaURL.JoinPath(img.Largest().Name).String(), nil
	case vestiging.EINVALID, vestiging.ETOOLARGE:
		f.Add(field, vestiging.ErrorMessage(err))
		return "", nil
	}
	return "", fmt.Errorf("upload %s: %w", field, err)
}
