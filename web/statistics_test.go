package web

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/vestiging/vestiging"
)

// statsEnv is a library with one activity on 4 March 2026 (Leesplezier,
// one place): Anna has the place and is checked in, Bert waits. The store
// tests check every figure on both databases; these check that the page,
// the exports and the API show them.
func statsEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	ev := e.openEvent("Taalcafé", 1)
	for i, email := range []string{"anna@example.nl", "bert@example.nl"} {
		p, _ := e.registrant(email)
		r := &vestiging.Registration{EventID: ev.ID, PersonID: p.ID}
		if err := e.db.Register(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if err := e.db.CheckIn(context.Background(), r.ID, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	return e
}

func TestStatisticsPage(t *testing.T) {
	e := statsEnv(t)
	staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
	t.Run("OK", func(t *testing.T) {
		res := e.get(staff, "/staff/statistics?from=2026-01-01&to=2026-12-31")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "<h1>Statistieken</h1>", `value="2026-01-01"`, `value="2026-12-31"`,
			`<div><dt>Activiteiten</dt><dd>1</dd></div>`, `<div><dt>Aanmeldingen</dt><dd>2</dd></div>`,
			`<div><dt>Aanwezig</dt><dd>1</dd></div>`,
			`<svg viewBox="0 0 720`, `role="img" aria-labelledby="months-chart-title"`,
			"Grafiek van aanmeldingen en aanwezigheid per maand; de cijfers staan in de tabel eronder.",
			`<caption id="months-caption" class="visually-hidden">Per maand</caption>`,
			`<tr><th scope="row">maart 2026</th><td>1</td><td>2</td><td>1</td><td>0</td><td>0</td><td>2</td><td>0</td><td>0</td></tr>`,
			`<th scope="row">Leesplezier</th>`, `<th scope="row">Bibliotheek Taalcafé</th>`,
			`href="/staff/statistics.xlsx?from=2026-01-01&amp;to=2026-12-31"`)
		if n := strings.Count(res.Body, "<svg "); n != 5 {
			t.Errorf("%d charts, want 5 (months, themes, branches, audiences, network)", n)
		}
		wantContains(t, e.get(staff, "/staff/"), `<a href="/staff/statistics">Statistieken</a>`)
	})
	t.Run("ThisYear", func(t *testing.T) {
		wantContains(t, e.get(staff, "/staff/statistics"), `value="2026-01-01"`, `value="2026-12-31"`)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, q := range []string{"from=gisteren", "from=2026-05-01&to=2026-04-01", "from=2020-01-01&to=2026-12-31"} {
			res := e.get(staff, "/staff/statistics?"+q)
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantContains(t, res, `class="error-summary"`)
		}
		wantContains(t, e.get(staff, "/staff/statistics?from=gisteren"), "Vul een datum in als jjjj-mm-dd.")
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		_, resident := e.registrant("carla@example.nl")
		for _, path := range []string{"/staff/statistics", "/staff/statistics.csv", "/staff/statistics.xlsx"} {
			if res := e.get(resident, path); res.Status != http.StatusForbidden {
				t.Errorf("resident %s: %d, want 403", path, res.Status)
			}
		}
	})
}

func TestStatisticsExport(t *testing.T) {
	e := statsEnv(t)
	staff := e.signIn("medewerker@example.nl", vestiging.RoleStaff)
	t.Run("XLSX", func(t *testing.T) {
		res := e.get(staff, "/staff/statistics.xlsx?from=2026-01-01&to=2026-12-31")
		wantStatus(t, res, http.StatusOK)
		if got := res.Header.Get("Content-Disposition"); got != `attachment; filename="statistics-2026-01-01-2026-12-31.xlsx"` {
			t.Errorf("Content-Disposition %q", got)
		}
		x, err := excelize.OpenReader(bytes.NewReader([]byte(res.Body)))
		if err != nil {
			t.Fatalf("open the workbook: %v", err)
		}
		defer x.Close()
		for _, tt := range []struct{ cell, want string }{
			{"A1", "Groep"}, {"C1", "Activiteiten"}, {"D1", "Aanmeldingen"}, {"E1", "Aanwezig"}, {"J1", "Inwoners van andere bibliotheken"},
			{"K1", "Volgers"}, {"M1", "Servers"},
			{"A2", "Totaal"}, {"C2", "1"}, {"D2", "2"}, {"E2", "1"}, {"H2", "2"},
			{"A5", "Per maand"}, {"B5", "maart 2026"}, {"D5", "2"},
			{"A15", "Per thema"}, {"B15", "Leesplezier"}, {"D15", "2"},
			{"A16", "Per vestiging"}, {"B16", "Bibliotheek Taalcafé"},
			{"A17", "Per doelgroep"}, {"B17", "Iedereen"},
		} {
			got, err := x.GetCellValue("Statistieken", tt.cell)
			if err != nil || got != tt.want {
				t.Errorf("%s: got %q (%v), want %q", tt.cell, got, err, tt.want)
			}
		}
		// Figures are numbers, so a spreadsheet adds them up.
		if typ, err := x.GetCellType("Statistieken", "D2"); err != nil || typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
			t.Errorf("D2 is of type %v (%v), want a number", typ, err)
		}
	})
	t.Run("CSV", func(t *testing.T) {
		res := e.get(staff, "/staff/statistics.csv?from=2026-01-01&to=2026-12-31")
		wantStatus(t, res, http.StatusOK)
		if !strings.HasPrefix(res.Body, "\ufeffGroep;Naam;Activiteiten;Aanmeldingen;") {
			t.Errorf("CSV starts %q", res.Body[:min(80, len(res.Body))])
		}
		wantContains(t, res, "\r\nTotaal;;1;2;1;0;0;2;0;0;0;0;0\r\n", "\r\nPer maand;maart 2026;1;2;1;0;0;2;0;0;0;0;0\r\n")
	})
}

func TestAPIStatistics(t *testing.T) {
	e := statsEnv(t)
	path := "/api/v1/statistics?from=2026-01-01&to=2026-12-31"
	t.Run("OK", func(t *testing.T) {
		res := e.apiDo(http.MethodGet, path, e.apiToken(vestiging.ScopeStatsRead), "")
		wantStatus(t, res, http.StatusOK)
		got := apiJSON[apiStatisticsBody](t, res)
		want := vestiging.Figures{Activities: 1, SignUps: 2, Attended: 1, Residents: 2}
		if got.Total != want || len(got.Months) != 12 || got.Months[2].Key != "2026-03" || got.Months[2].Figures != want ||
			got.TimeZone != "Europe/Amsterdam" || len(got.Themes) != 1 || got.Themes[0].Key != "leesplezier" {
			t.Errorf("statistics %+v", got)
		}
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		res := e.apiDo(http.MethodGet, path, e.apiToken(vestiging.ScopeEventsRead, vestiging.ScopeRegistrationsRead), "")
		wantStatus(t, res, http.StatusForbidden)
		wantContains(t, res, "stats:read")
	})
	t.Run("ErrUnauthorized", func(t *testing.T) {
		wantStatus(t, e.apiDo(http.MethodGet, path, "", ""), http.StatusUnauthorized)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		res := e.apiDo(http.MethodGet, "/api/v1/statistics?to=2025-12-31", e.apiToken(vestiging.ScopeStatsRead), "")
		wantStatus(t, res, http.StatusBadRequest) // a bad query, as the agenda's
		wantContains(t, res, `"to"`)
	})
}
