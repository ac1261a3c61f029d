package federation

import (
	"context"
	"net/url"
	"strings"

	"github.com/vestiging/vestiging"
)

// relSubscribe is the OStatus link relation whose template is a server's
// page for following or answering an account or post by its URI:
// Mastodon's /authorize_interaction?uri={uri}, Misskey's
// /authorize-follow?acct={uri}, and ours.
const relSubscribe = "http://ostatus.org/schema/1.0/subscribe"

// InteractionPath is our own page for that: a signed-in resident follows
// a library from here, or is sent to the page of our event, course or offer
// to reply.
const InteractionPath = "/authorize_interaction"

// InteractionURL is where a reader on another server follows or replies
// to uri (one of our actors, events, courses or offers) from their own
// account: their server's subscribe template with uri filled in. account
// is their handle (@name@server.example) or just their server
// (server.example, or its address), whose instance account
// (server.example@server.example, as Mastodon names it) is asked then.
// WebFinger is asked with a signed GET through the one outbound client.
// EINVALID for what is neither, ENOTFOUND when the server gives no
// template, EUNAVAILABLE when it does not answer properly.
func (f *Federator) InteractionURL(ctx context.Context, account, uri string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, ResolveTimeout)
	defer cancel()
	account = strings.TrimPrefix(strings.TrimSpace(account), "@")
	if u, err := url.Parse(account); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.User == nil {
		account = u.Host
	}
	user, host, ok := strings.Cut(account, "@")
	if !ok {
		user, host = account, account
	}
	if !validHandle(user, host) {
		return "", vestiging.Errorf(vestiging.EINVALID, "Give your server, such as mastodon.social, or your handle, such as @name@mastodon.social.")
	}
	if err := f.checkDomain(ctx, strings.ToLower(host)); err != nil {
		return "", err
	}
	jrd, err := f.webFinger(ctx, f.cfg.BaseURL.Scheme, host, "acct:"+user+"@"+host)
	if err != nil {
		return "", remoteError(account, err)
	}
	for _, l := range jrd.Links {
		if l.Rel != relSubscribe || !strings.Contains(l.Template, "{uri}") {
			continue
		}
		to := strings.ReplaceAll(l.Template, "{uri}", url.QueryEscape(uri))
		if u, err := url.Parse(to); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
			return to, nil
		}
	}
	return "", vestiging.Errorf(vestiging.ENOTFOUND,
		"%s does not say where to follow from. Search there for %s instead.", account, uri)
}
