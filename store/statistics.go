package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/vestiging/vestiging"
)

// Statistics counts in SQL, in one pass over the range's activities and
// their registrations: per activity first (so an activity's no-shows can
// depend on whether anyone was checked in there), then per month, theme,
// branch and audience. Months are buckets whose bounds Go computes in the
// library's time zone, so both databases cut them alike.
func (db *DB) Statistics(ctx context.Context, f vestiging.StatisticsFilter) (*vestiging.Statistics, error) {
	months, err := f.Months()
	if err != nil {
		return nil, err
	}
	n := len(months) - 1
	st := &vestiging.Statistics{From: f.From, To: f.To}
	st.Months = make([]vestiging.StatisticsRow, n)
	for i := range n {
		st.Months[i] = vestiging.StatisticsRow{Key: months[i].Format("2006-01"), Network: &vestiging.Network{}}
	}
	// The month bounds: the start of each month after the first, and To.
	t := db.dialect.timeArg
	var bounds []any
	for _, m := range months[1:n] {
		bounds = append(bounds, t(m))
	}
	bounds = append(bounds, t(f.To))
	if err := db.activityStatistics(ctx, st, append([]any{t(f.From), t(f.To), t(db.now())}, bounds...)); err != nil {
		return nil, fmt.Errorf("statistics: %w", err)
	}
	if err := db.networkStatistics(ctx, st, append([]any{t(f.From)}, bounds...)); err != nil {
		return nil, fmt.Errorf("statistics of the network: %w", err)
	}
	return st, nil
}

// monthOf is the CASE that puts column in its month's bucket: -1 before
// $1 (From), 0 … n-1 for the months whose ends are $bound, $bound+1 …,
// and n after the range.
func monthOf(column string, n, bound int) string {
	var b strings.Builder
	b.WriteString("CASE WHEN " + column + " < $1 THEN -1")
	for i := range n {
		fmt.Fprintf(&b, " WHEN %s < $%d THEN %d", column, i+bound, i)
	}
	fmt.Fprintf(&b, " ELSE %d END", n)
	return b.String()
}

func (db *DB) activityStatistics(ctx context.Context, st *vestiging.Statistics, args []any) error {
	counted := fmt.Sprintf("r.state IN ('%s', '%s', '%s')", vestiging.RegistrationConfirmed, vestiging.RegistrationWaitlisted,
		vestiging.RegistrationCancelled)
	sum := func(cond string) string { return "SUM(CASE WHEN " + cond + " THEN 1 ELSE 0 END)" }
	origin := func(o string) string { return sum(counted + " AND r.origin = '" + o + "'") }
	figures := `COUNT(*), SUM(f.sign_ups), SUM(f.attended), SUM(f.no_shows), SUM(f.promoted), SUM(f.residents), SUM(f.guests), SUM(f.remote)`
	q := `WITH per_event AS (
	SELECT e.id, e.branch_id, ` + monthOf("e.starts_at", len(st.Months), 4) + ` AS month,
		CASE WHEN e.ends_at < $3 THEN 1 ELSE 0 END AS over, ` +
		sum(counted) + ` AS sign_ups, ` +
		sum("r.checked_in_at IS NOT NULL") + ` AS attended, ` +
		sum(fmt.Sprintf("r.state = '%s' AND r.checked_in_at IS NULL", vestiging.RegistrationConfirmed)) + ` AS absent, ` +
		sum("r.promoted_at IS NOT NULL") + ` AS promoted, ` +
		origin(vestiging.OriginResident) + ` AS residents, ` +
		origin(vestiging.OriginGuest) + ` AS guests, ` +
		origin(vestiging.OriginRemote) + ` AS remote
	FROM events e LEFT JOIN registrations r ON r.event_id = e.id
	WHERE e.iri IS NULL AND e.status = '` + vestiging.StatusPublished + `' AND e.starts_at >= $1 AND e.starts_at < $2
	GROUP BY e.id
), f AS (
	SELECT id, branch_id, month, sign_ups, attended, CASE WHEN over = 1 AND attended > 0 THEN absent ELSE 0 END AS no_shows,
		promoted, residents, guests, remote
	FROM per_event
)
SELECT 'month', CAST(f.month AS TEXT), '', ` + figures + ` FROM f GROUP BY f.month
UNION ALL
SELECT 'theme', t.theme, th.name_nl, ` + figures + ` FROM f JOIN event_themes t ON t.event_id = f.id
	JOIN themes th ON th.slug = t.theme GROUP BY t.theme, th.name_nl
UNION ALL
SELECT 'branch', COALESCE(CAST(f.branch_id AS TEXT), ''), COALESCE(b.name, ''), ` + figures + ` FROM f
	LEFT JOIN branches b ON b.id = f.branch_id GROUP BY f.branch_id, b.name
UNION ALL
SELECT 'audience', a.audience, '', ` + figures + ` FROM f JOIN event_audiences a ON a.event_id = f.id GROUP BY a.audience
ORDER BY 1, 4 DESC, 3, 2`
	rows, err := db.db.QueryContext(ctx, q, args...)
	if err != nil {
		return db.mapError(err)
	}
	defer rows.Close()
	for rows.Next() {
		var group string
		var row vestiging.StatisticsRow
		g := &row.Figures
		if err := rows.Scan(&group, &row.Key, &row.Label, &g.Activities, &g.SignUps, &g.Attended, &g.NoShows, &g.Promoted,
			&g.Residents, &g.Guests, &g.Remote); err != nil {
			return db.mapError(err)
		}
		switch group {
		case "month":
			i, err := strconv.Atoi(row.Key)
			if err != nil || i < 0 || i >= len(st.Months) {
				return fmt.Errorf("month bucket %q out of range", row.Key)
			}
			st.Months[i].Figures = row.Figures
			st.Total = add(st.Total, row.Figures)
		case "theme":
			st.Themes = append(st.Themes, row)
		case "branch":
			st.Branches = append(st.Branches, row)
		case "audience":
			st.Audiences = append(st.Audiences, row)
		}
	}
	return db.mapError(rows.Err())
}

func add(a, b vestiging.Figures) vestiging.Figures {
	return vestiging.Figures{Activities: a.Activities + b.Activities, SignUps: a.SignUps + b.SignUps, Attended: a.Attended + b.Attended,
		NoShows: a.NoShows + b.NoShows, Promoted: a.Promoted + b.Promoted, Residents: a.Residents + b.Residents,
		Guests: a.Guests + b.Guests, Remote: a.Remote + b.Remote}
}

// networkStatistics counts the library's followers and their servers by
// the month they started to follow (a server by its first follower),
// and adds them up to each month's end.
func (db *DB) networkStatistics(ctx context.Context, st *vestiging.Statistics, args []any) error {
	n := len(st.Months)
	q := `SELECT 'followers', ` + monthOf("f.created_at", n, 2) + `, COUNT(*) FROM followers f GROUP BY 2
UNION ALL
SELECT 'servers', ` + monthOf("h.first", n, 2) + `, COUNT(*) FROM (SELECT a.host, MIN(f.created_at) AS first
	FROM followers f JOIN actors a ON a.id = f.actor_id GROUP BY a.host) h GROUP BY 2`
	rows, err := db.db.QueryContext(ctx, q, args...)
	if err != nil {
		return db.mapError(err)
	}
	defer rows.Close()
	var before [2]int
	news := make([][2]int, n)
	for rows.Next() {
		var what string
		var month, count int
		if err := rows.Scan(&what, &month, &count); err != nil {
			return db.mapError(err)
		}
		k := 0
		if what == "servers" {
			k = 1
		}
		switch {
		case month < 0:
			before[k] += count
		case month < n:
			news[month][k] += count
		}
	}
	if err := rows.Err(); err != nil {
		return db.mapError(err)
	}
	total := before
	for i := range n {
		total[0] += news[i][0]
		total[1] += news[i][1]
		st.Months[i].Network = &vestiging.Network{Followers: total[0], NewFollowers: news[i][0], Servers: total[1]}
		st.Network.NewFollowers += news[i][0]
	}
	st.Network.Followers, st.Network.Servers = total[0], total[1]
	return nil
}
