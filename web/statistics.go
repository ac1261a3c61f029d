package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/vestiging/vestiging"
)

// The statistics for the year report, /staff/statistics: the figures the
// store counts, per month, theme, branch and audience, as tables with a
// bar chart beside each (SVG drawn by the template, no script), and as
// CSV and XLSX to download. The API serves the same as JSON.

// statisticsRange reads the period from the query: from and to are dates
// (to included) in the site's time zone; missing, they are this year.
func statisticsRange(q url.Values, now time.Time) (vestiging.StatisticsFilter, error) {
	loc := defaultLocation()
	now = now.In(loc)
	f := vestiging.StatisticsFilter{Location: loc,
		From: time.Date(now.Year(), 1, 1, 0, 0, 0, 0, loc), To: time.Date(now.Year()+1, 1, 1, 0, 0, 0, 0, loc)}
	v := vestiging.Validation{}
	if s := q.Get("from"); s != "" {
		d, err := time.ParseInLocation(time.DateOnly, s, loc)
		if err != nil {
			v.Add("from", "Enter a date as yyyy-mm-dd.")
		}
		f.From = d
	}
	if s := q.Get("to"); s != "" {
		d, err := time.ParseInLocation(time.DateOnly, s, loc)
		if err != nil {
			v.Add("to", "Enter a date as yyyy-mm-dd.")
		}
		f.To = d.AddDate(0, 0, 1)
	}
	if err := v.Err(); err != nil {
		return f, err
	}
	if _, err := f.Months(); err != nil {
		v.Add("to", vestiging.ErrorMessage(err))
		return f, v.Err()
	}
	return f, nil
}

// statsRow is one line of a table: a month, theme, branch or audience in
// the reader's language, with its figures.
type statsRow struct {
	Label string
	vestiging.Figures
	Network *vestiging.Network
}

// statsSection is one table with its chart.
type statsSection struct {
	ID, Title string
	Rows      []statsRow
	Chart     barChart
}

type statisticsData struct {
	From, To       string // the period's dates, to included, for reading
	FromISO, ToISO string // the same for the export links
	Stats          *vestiging.Statistics
	Sections       []statsSection
	Network        statsSection // followers and servers per month
}

// statisticsSections names the rows of st in lang: the months, themes,
// branches and audiences.
func (s *Server) statisticsSections(r *http.Request, st *vestiging.Statistics) ([]statsSection, error) {
	lang := langFrom(r.Context())
	t := func(k string) string { return s.locales.T(lang, k) }
	themes, err := s.svc.Themes(r.Context())
	if err != nil {
		return nil, err
	}
	themeNames := map[string]string{}
	for _, th := range themes {
		themeNames[th.Slug] = th.Name(lang)
	}
	rows := func(in []vestiging.StatisticsRow, label func(vestiging.StatisticsRow) string) []statsRow {
		out := make([]statsRow, len(in))
		for i, row := range in {
			out[i] = statsRow{Label: label(row), Figures: row.Figures, Network: row.Network}
		}
		return out
	}
	month := func(row vestiging.StatisticsRow) string {
		m, err := time.Parse("2006-01", row.Key)
		if err != nil {
			return row.Key
		}
		return vestiging.MonthName(lang, m.Month()) + " " + strconv.Itoa(m.Year())
	}
	theme := func(row vestiging.StatisticsRow) string {
		if n, ok := themeNames[row.Key]; ok {
			return n
		}
		return row.Label
	}
	branch := func(row vestiging.StatisticsRow) string {
		if row.Key == "" {
			return t("Elsewhere or online")
		}
		return row.Label
	}
	audience := func(row vestiging.StatisticsRow) string { return t(audienceNames[row.Key]) }
	return []statsSection{
		{ID: "months", Title: t("Per month"), Rows: rows(st.Months, month)},
		{ID: "themes", Title: t("Per theme"), Rows: rows(st.Themes, theme)},
		{ID: "branches", Title: t("Per branch"), Rows: rows(st.Branches, branch)},
		{ID: "audiences", Title: t("Per audience"), Rows: rows(st.Audiences, audience)},
	}, nil
}

// statisticsFigures are the figures' column headings, in their order.
var statisticsFigures = []string{"Activities", "Sign-ups", "Attended", "No-shows", "Waitlist places given",
	"Residents", "Guests", "Residents of other libraries"}

func figureCells(f vestiging.Figures) []any {
	return []any{f.Activities, f.SignUps, f.Attended, f.NoShows, f.Promoted, f.Residents, f.Guests, f.Remote}
}

func (s *Server) statisticsPage(w http.ResponseWriter, r *http.Request) {
	f, err := statisticsRange(r.URL.Query(), s.now())
	p := s.newPage(r, nil)
	p.Form = newForm(r.URL.Query())
	if err != nil {
		p.Form.AddDomain(vestiging.FieldErrors(err))
		p.Data = statisticsData{}
		s.render(w, r, http.StatusUnprocessableEntity, "statistics", p)
		return
	}
	st, err := s.svc.Statistics(r.Context(), f)
	var sections []statsSection
	if err == nil {
		sections, err = s.statisticsSections(r, st)
	}
	if err != nil {
		s.fail(w, r, fmt.Errorf("statistics page: %w", err))
		return
	}
	lang := langFrom(r.Context())
	t := func(k string) string { return s.locales.T(lang, k) }
	signUps := chartSeries{Name: t("Sign-ups"), Class: "bar-light", Value: func(r statsRow) int { return r.SignUps }}
	attended := chartSeries{Name: t("Attended"), Class: "bar-dark", Value: func(r statsRow) int { return r.Attended }}
	for i := range sections {
		sections[i].Chart = newBarChart(sections[i].ID+"-chart",
			fmt.Sprintf(t("Chart of sign-ups and attendance %s; the figures are in the table below it."), lower(sections[i].Title)),
			sections[i].Rows, signUps, attended)
	}
	network := statsSection{ID: "network", Title: t("Reach in the network"), Rows: sections[0].Rows}
	network.Chart = newBarChart("network-chart", t("Chart of followers and their servers per month; the figures are in the table below it."),
		network.Rows,
		chartSeries{Name: t("Followers"), Class: "bar-light", Value: func(r statsRow) int { return r.Network.Followers }},
		chartSeries{Name: t("Servers"), Class: "bar-dark", Value: func(r statsRow) int { return r.Network.Servers }})
	to := f.To.AddDate(0, 0, -1)
	d := statisticsData{From: vestiging.FormatDate(lang, f.From), To: vestiging.FormatDate(lang, to),
		FromISO: f.From.Format(time.DateOnly), ToISO: to.Format(time.DateOnly), Stats: st, Sections: sections, Network: network}
	p.Form.Set("from", d.FromISO)
	p.Form.Set("to", d.ToISO)
	p.Data = d
	s.render(w, r, http.StatusOK, "statistics", p)
}

// lower makes a title's first letter lower-case, to go inside a sentence.
func lower(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r >= 'A' && r <= 'Z' {
		return string(r+'a'-'A') + s[n:]
	}
	return s
}

// statisticsTable is the statistics as rows of cells for the exports,
// headings first: the total, then every month, theme, branch and
// audience, with the network's figures on the total and the months.
func (s *Server) statisticsTable(r *http.Request) (string, [][]any, error) {
	f, err := statisticsRange(r.URL.Query(), s.now())
	if err != nil {
		return "", nil, err
	}
	st, err := s.svc.Statistics(r.Context(), f)
	if err != nil {
		return "", nil, err
	}
	sections, err := s.statisticsSections(r, st)
	if err != nil {
		return "", nil, err
	}
	t := func(k string) string { return s.locales.T(langFrom(r.Context()), k) }
	head := []any{t("Group"), t("Name")}
	for _, h := range statisticsFigures {
		head = append(head, t(h))
	}
	head = append(head, t("Followers"), t("New followers"), t("Servers"))
	network := func(n *vestiging.Network) []any {
		if n == nil {
			return nil
		}
		return []any{n.Followers, n.NewFollowers, n.Servers}
	}
	rows := [][]any{head, append(append([]any{t("Total"), ""}, figureCells(st.Total)...), network(&st.Network)...)}
	for _, sec := range sections {
		for _, row := range sec.Rows {
			rows = append(rows, append(append([]any{sec.Title, row.Label}, figureCells(row.Figures)...), network(row.Network)...))
		}
	}
	name := fmt.Sprintf("statistics-%s-%s", f.From.Format(time.DateOnly), f.To.AddDate(0, 0, -1).Format(time.DateOnly))
	return name, rows, nil
}

func (s *Server) statisticsCSV(w http.ResponseWriter, r *http.Request) {
	name, rows, err := s.statisticsTable(r)
	if err == nil {
		text := make([][]string, len(rows))
		for i, row := range rows {
			text[i] = make([]string, len(row))
			for j, c := range row {
				text[i][j] = fmt.Sprint(c)
			}
		}
		err = s.writeCSV(w, name+".csv", text)
	}
	if err != nil {
		s.fail(w, r, fmt.Errorf("statistics csv: %w", err))
	}
}

func (s *Server) statisticsXLSX(w http.ResponseWriter, r *http.Request) {
	name, rows, err := s.statisticsTable(r)
	var data []byte
	if err == nil {
		data, err = workbook(s.locales.T(langFrom(r.Context()), "Statistics"), rows)
	}
	if err != nil {
		s.fail(w, r, fmt.Errorf("statistics xlsx: %w", err))
		return
	}
	s.download(w, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name+".xlsx", data)
}

// apiStatistics is GET /api/v1/statistics: the page's figures as JSON.
func (s *Server) apiStatistics(w http.ResponseWriter, r *http.Request) {
	f, err := statisticsRange(r.URL.Query(), s.now())
	var st *vestiging.Statistics
	if err == nil {
		st, err = s.svc.Statistics(r.Context(), f)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	apiOK(w, apiStatisticsBody{
		From: f.From.Format(time.DateOnly), To: f.To.AddDate(0, 0, -1).Format(time.DateOnly), TimeZone: f.Location.String(),
		Total: st.Total, Network: st.Network, Months: st.Months, Themes: nonNil(st.Themes), Branches: nonNil(st.Branches),
		Audiences: nonNil(st.Audiences),
	})
}

type apiStatisticsBody struct {
	From      string                    `json:"from"`
	To        string                    `json:"to"`
	TimeZone  string                    `json:"time_zone"`
	Total     vestiging.Figures         `json:"total"`
	Network   vestiging.Network         `json:"network"`
	Months    []vestiging.StatisticsRow `json:"months"`
	Themes    []vestiging.StatisticsRow `json:"themes"`
	Branches  []vestiging.StatisticsRow `json:"branches"`
	Audiences []vestiging.StatisticsRow `json:"audiences"`
}

// nonNil is rows as a JSON array, [] when there are none.
func nonNil(rows []vestiging.StatisticsRow) []vestiging.StatisticsRow {
	if rows == nil {
		return []vestiging.StatisticsRow{}
	}
	return rows
}

// A horizontal bar chart: one group of bars (one per series) for each
// row, the value at the end of each bar and a legend on top. The template
// "barchart" draws it.
type barChart struct {
	ID, Title     string
	Width, Height int
	Legend        []chartLegend
	Groups        []chartGroup
}

type chartSeries struct {
	Name, Class string
	Value       func(statsRow) int
}

type chartLegend struct {
	Name, Class string
	X, TextX    int
}

type chartGroup struct {
	Label  string
	LabelY int
	Bars   []chartBar
}

type chartBar struct {
	Class        string
	Value        int
	X, Y, W, H   int
	TextX, TextY int
}

const (
	chartWidth   = 720
	chartLabels  = 200 // the labels' column
	chartBarSize = 16  // a bar's height
	chartTop     = 34  // room for the legend
	chartValues  = 60  // room for the value after the longest bar
	chartSpacing = 14  // between groups
)

func newBarChart(id, title string, rows []statsRow, series ...chartSeries) barChart {
	c := barChart{ID: id, Title: title, Width: chartWidth}
	x := chartLabels
	for _, s := range series {
		c.Legend = append(c.Legend, chartLegend{Name: s.Name, Class: s.Class, X: x, TextX: x + 20})
		x += 20 + 9*utf8.RuneCountInString(s.Name) + 24
	}
	most := 1
	for _, r := range rows {
		for _, s := range series {
			most = max(most, s.Value(r))
		}
	}
	room := chartWidth - chartLabels - chartValues
	y := chartTop
	for _, r := range rows {
		g := chartGroup{Label: shorten(r.Label, 26), LabelY: y + len(series)*(chartBarSize+2)/2 + 5}
		for _, s := range series {
			v := s.Value(r)
			w := v * room / most
			g.Bars = append(g.Bars, chartBar{Class: s.Class, Value: v, X: chartLabels, Y: y, W: w, H: chartBarSize,
				TextX: chartLabels + w + 6, TextY: y + chartBarSize - 3})
			y += chartBarSize + 2
		}
		c.Groups = append(c.Groups, g)
		y += chartSpacing
	}
	c.Height = y
	return c
}

// shorten cuts a label to n characters with an ellipsis; the table beside
// the chart has it in full.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
