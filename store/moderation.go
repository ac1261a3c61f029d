package store

import (
	"strings"

	"github.com/vestiging/vestiging"
)

// moderatedActors selects the ids of the remote actors moderated with one
// of modes, themselves or by a domain rule for their host. A rule covers
// its host on any port and its subdomains, as federation's ruleCovers.
// Testing moderation for not empty lets both databases read the first part from the partial
// index actors_moderated; the second reads actors once per rule, and not
// at all when there are no rules.
func moderatedActors(modes ...string) string {
	in := "'" + strings.Join(modes, "', '") + "'"
	return `SELECT m.id FROM actors m WHERE m.moderation <> '' AND m.moderation IN (` + in + `)
	UNION ALL SELECT m.id FROM domain_rules r CROSS JOIN actors m WHERE r.mode IN (` + in + `)
		AND (m.host = r.host OR m.host LIKE r.host || ':%' OR m.host LIKE '%.' || r.host OR m.host LIKE '%.' || r.host || ':%')`
}

var (
	// hiddenActorsSQL: their events and offers are on no agenda or board.
	hiddenActorsSQL = moderatedActors(vestiging.ModerationBlock, vestiging.ModerationSilence)
	// blockedActorsSQL: their replies are hidden too.
	blockedActorsSQL = moderatedActors(vestiging.ModerationBlock)
)
