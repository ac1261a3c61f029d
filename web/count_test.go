package web

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/store/storetest"
)

// TestCountCapped: past vestiging.MaxCount matches the agenda says "more
// than" and the API sets total_capped; a page nearer the end is exact.
func TestCountCapped(t *testing.T) {
	e := newEnv(t)
	storetest.SeedEvents(t, e.db, vestiging.MaxCount+25, testNow.Add(24*time.Hour))
	c := e.client()
	t.Run("OK", func(t *testing.T) {
		res := e.get(c, "/agenda")
		wantContains(t, res, "Meer dan 1000 activiteiten gevonden", `href="/agenda?page=2" rel="next"`)
		wantContains(t, e.get(c, "/agenda?page=51"), "1025 activiteiten gevonden")
	})
	t.Run("API", func(t *testing.T) {
		for _, tt := range []struct {
			page   string
			total  int
			capped bool
		}{{"1", vestiging.MaxCount + 1, true}, {"51", vestiging.MaxCount + 25, false}} {
			res := e.get(c, "/api/v1/events?page="+tt.page)
			var got struct {
				Total       int     `json:"total"`
				TotalCapped bool    `json:"total_capped"`
				Next        *string `json:"next"`
			}
			if err := json.Unmarshal([]byte(res.Body), &got); err != nil {
				t.Fatalf("page %s: %v", tt.page, err)
			}
			if got.Total != tt.total || got.TotalCapped != tt.capped || got.Next == nil {
				t.Errorf("page %s: total %d capped %v next %v, want %d %v and a next page", tt.page, got.Total, got.TotalCapped, got.Next, tt.total, tt.capped)
			}
		}
	})
}
