package federation

import (
	"encoding/json"
	"net/http"

	"github.com/vestiging/vestiging"
)

// NodeInfo 2.1 schema identifiers.
const (
	nodeInfoSchema      = "http://nodeinfo.diaspora.software/ns/schema/2.1"
	nodeInfoContentType = `application/json; profile="` + nodeInfoSchema + `#"`
)

// NodeInfo is the NodeInfo 2.1 document.
type NodeInfo struct {
	Version           string           `json:"version"`
	Software          NodeInfoSoftware `json:"software"`
	Protocols         []string         `json:"protocols"`
	Services          NodeInfoServices `json:"services"`
	OpenRegistrations bool             `json:"openRegistrations"`
	Usage             NodeInfoUsage    `json:"usage"`
	Metadata          NodeInfoMetadata `json:"metadata"`
}

// NodeInfoSoftware names the software.
type NodeInfoSoftware struct {
	Name       string `json:"name"`
	Version    string `json:"version"`
	Repository string `json:"repository,omitempty"`
}

// NodeInfoServices lists third-party services; none here.
type NodeInfoServices struct {
	Inbound  []string `json:"inbound"`
	Outbound []string `json:"outbound"`
}

// NodeInfoUsage counts the instance's users and posts.
type NodeInfoUsage struct {
	Users struct {
		Total          int `json:"total"`
		ActiveHalfyear int `json:"activeHalfyear"`
		ActiveMonth    int `json:"activeMonth"`
	} `json:"users"`
	LocalPosts int `json:"localPosts"`
}

// NodeInfoMetadata describes the library.
type NodeInfoMetadata struct {
	NodeName        string           `json:"nodeName"`
	NodeDescription string           `json:"nodeDescription,omitempty"`
	Library         NodeInfoLibrary  `json:"library"`
	Branches        []NodeInfoBranch `json:"branches"`
}

// NodeInfoLibrary is the library behind the instance.
type NodeInfoLibrary struct {
	Name    string `json:"name"`
	Website string `json:"website,omitempty"`
	Actor   string `json:"actor"`
}

// NodeInfoBranch is one branch and its city.
type NodeInfoBranch struct {
	Name string `json:"name"`
	City string `json:"city,omitempty"`
}

func (f *Federator) serveNodeInfoLinks(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, "application/json", map[string]any{"links": []any{
		map[string]any{"rel": nodeInfoSchema, "href": f.cfg.BaseURL.JoinPath("nodeinfo", "2.1").String()},
	}})
}

func (f *Federator) serveNodeInfo(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lib, err := f.cfg.Services.Library(ctx)
	if err != nil {
		f.serveError(w, r, err)
		return
	}
	branches, err := f.cfg.Services.Branches(ctx)
	if err != nil {
		f.serveError(w, r, err)
		return
	}
	_, posts, err := f.cfg.Services.FindEvents(ctx, vestiging.EventFilter{
		Source: vestiging.SourceLocal, Statuses: []string{vestiging.StatusPublished}, Limit: 1})
	if err != nil {
		f.serveError(w, r, err)
		return
	}
	n := NodeInfo{
		Version:           "2.1",
		Software:          NodeInfoSoftware{Name: "vestiging", Version: vestiging.Version},
		Protocols:         []string{"activitypub"},
		Services:          NodeInfoServices{Inbound: []string{}, Outbound: []string{}},
		OpenRegistrations: false,
		Metadata: NodeInfoMetadata{
			NodeName:        lib.Name,
			NodeDescription: vestiging.PlainText(lib.Description),
			Library:         NodeInfoLibrary{Name: lib.Name, Website: lib.Website, Actor: ActorID(f.cfg.BaseURL)},
			Branches:        []NodeInfoBranch{},
		},
	}
	// The library actor is the one account that federates.
	n.Usage.Users.Total, n.Usage.Users.ActiveHalfyear, n.Usage.Users.ActiveMonth = 1, 1, 1
	n.Usage.LocalPosts = posts
	for _, b := range branches {
		n.Metadata.Branches = append(n.Metadata.Branches, NodeInfoBranch{Name: b.Name, City: b.City})
	}
	writeJSON(w, nodeInfoContentType, n)
}

// writeJSON writes v as JSON with the given content type; every NodeInfo
// reader fetches it cross-origin too.
func writeJSON(w http.ResponseWriter, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write(b)
}
