package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/media"
)

// The demo's sign-in. Fixed and printed on purpose: the demo is for trying
// the software on one's own machine, never for a public server.
const (
	demoStaffEmail = "medewerker@bibliotheekrivierenland.example"
	demoPassword   = "vestiging-demo"
)

func demo(ctx context.Context, args []string, stdout io.Writer) error {
	db, err := openOnly(ctx, "demo", args, stdout)
	if err != nil {
		return err
	}
	defer db.Close()
	// No logo: without serve's base URL there is no address for it yet.
	filled, err := fillDemo(ctx, db, vestiging.Now(), &rivierenland, nil)
	if err != nil {
		return err
	}
	if !filled {
		return vestiging.Errorf(vestiging.ECONFLICT, "the database already holds a library; the demo fills only an empty one")
	}
	printLogin(stdout)
	return nil
}

// fillDemoAndReport fills an empty database with lib and prints the
// sign-in; on a database that already holds data it only reminds of the
// sign-in, when the demo filled it before.
func fillDemoAndReport(ctx context.Context, svc vestiging.Services, lib *demoLibrary, img *demoMedia, stdout io.Writer) error {
	filled, err := fillDemo(ctx, svc, vestiging.Now(), lib, img)
	if err != nil {
		return err
	}
	if filled {
		fmt.Fprintf(stdout, "Filled the empty database with the demo library %s.\n", lib.name)
	}
	if _, err := svc.PersonByEmail(ctx, lib.staff); err == nil && lib == &rivierenland {
		printLogin(stdout)
	}
	return nil
}

// printLogin prints the sign-in of the demo's one staff account, an
// administrator, so every staff page opens with it.
func printLogin(w io.Writer) {
	fmt.Fprintf(w, "Admin login: %s / %s\n", demoStaffEmail, demoPassword)
}

// isEmpty reports whether the database holds no branches and no events yet.
func isEmpty(ctx context.Context, svc vestiging.Services) (bool, error) {
	branches, err := svc.Branches(ctx)
	if err != nil {
		return false, err
	}
	_, n, err := svc.FindEvents(ctx, vestiging.EventFilter{
		Statuses: []string{vestiging.StatusDraft, vestiging.StatusPublished, vestiging.StatusCancelled},
		Limit:    1,
	})
	if err != nil {
		return false, err
	}
	return len(branches) == 0 && n == 0, nil
}

// fillDemo fills an empty database with the demo library lib, whose
// agenda starts today (in Amsterdam time) and leaves out public holidays.
// img, when not nil, takes its logo. It does nothing and returns false when
// the database is not empty, so serve --demo fills only once.
func fillDemo(ctx context.Context, svc vestiging.Services, now time.Time, lib *demoLibrary, img *demoMedia) (bool, error) {
	empty, err := isEmpty(ctx, svc)
	if err != nil || !empty {
		return false, err
	}
	f := demoFill{svc: svc, ctx: ctx, lib: lib, img: img}
	f.loc, err = time.LoadLocation(vestiging.DefaultTimeZone)
	if err != nil {
		return false, err
	}
	local := now.In(f.loc)
	f.today = time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, f.loc)
	steps := []func() error{f.library, f.branches, f.events, f.people}
	if lib.full {
		steps = append(steps, f.series, f.courses, f.offers, f.partner, f.registrations, f.replies)
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return false, fmt.Errorf("demo: %w", err)
		}
	}
	return true, nil
}

// demoMedia is where the demo stores its logos, and their addresses.
type demoMedia struct {
	store *media.Store
	url   *url.URL // the uploads' base, ending in /media/
}

type demoFill struct {
	svc       vestiging.Services
	ctx       context.Context
	lib       *demoLibrary
	img       *demoMedia
	loc       *time.Location
	today     time.Time // midnight, the first day of the demo's agenda
	libraryID int64
	first     *int64 // the branches
	second    *int64
	residents map[string]int64
	eventIDs  map[string]int64 // the first occurrence of each title
}

// at returns the local time on weekday (Monday is 0) of week w, weeks
// counted from today: week 0 is today and the six days after it.
func (f *demoFill) at(w, weekday, hour, minute int) time.Time {
	ahead := (weekday - (int(f.today.Weekday())+6)%7 + 7) % 7
	return time.Date(f.today.Year(), f.today.Month(), f.today.Day()+7*w+ahead, hour, minute, 0, 0, f.loc)
}

// closed reports whether the library is closed on weekday of week w: a
// public holiday.
func (f *demoFill) closed(w, weekday int) bool { return holiday(f.at(w, weekday, 0, 0)) }

// open returns w, or the first week after it in which weekday is no public
// holiday: a one-off activity moves a week on.
func (f *demoFill) open(w, weekday int) int {
	for f.closed(w, weekday) {
		w++
	}
	return w
}

func (f *demoFill) library() error {
	l, err := f.svc.Library(f.ctx)
	if err != nil {
		return err
	}
	d := f.lib
	l.Name, l.Description, l.Email, l.Phone, l.Website, l.Colour = d.name, vestiging.TextToHTML(d.description), d.email, d.phone, d.website, d.colour
	l.AllowGuests = true
	if f.img != nil {
		// A logo of the library's initial on its colour, made here: the
		// demo ships no pictures.
		logo, err := f.img.store.Save(bytes.NewReader(media.LetterIcon(d.mark, l.Palette().Brand, 256)))
		if err != nil {
			return fmt.Errorf("logo: %w", err)
		}
		l.LogoURL, l.LogoAlt = f.img.url.JoinPath(logo.Largest().Name).String(), "Logo van "+d.name
	}
	if err := f.svc.UpdateLibrary(f.ctx, l); err != nil {
		return fmt.Errorf("library: %w", err)
	}
	f.libraryID = l.ID
	return nil
}

func hours(days []time.Weekday, opens, closes string) []vestiging.OpeningHours {
	out := make([]vestiging.OpeningHours, len(days))
	for i, d := range days {
		out[i] = vestiging.OpeningHours{Day: d, Opens: opens, Closes: closes}
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// demoLibrary is a made-up library of the demo: its profile, look,
// branches and agenda.
type demoLibrary struct {
	name, slug            string // slug names a neighbour's folder under DATA/neighbours
	description           string // plain text, paragraphs apart by a blank line
	email, phone, website string
	colour                string // the house colour; "" is the default
	mark                  string // the word whose initial its logo shows
	staff, staffName      string // its administrator
	branches              [2]*vestiging.Branch
	agenda                []demoEvent
	full                  bool // also a series, courses, residents, offers, a partner, sign-ups and a reply
}

var weekdays = []time.Weekday{time.Tuesday, time.Wednesday, time.Thursday, time.Friday}

// rivierenland is the demo's own library, the one make run opens.
var rivierenland = demoLibrary{
	name: "Bibliotheek Rivierenland", mark: "Rivierenland", full: true,
	description: "Bibliotheek Rivierenland is de openbare bibliotheek voor Tiel, Culemborg en de dorpen in de Betuwe. " +
		"Je komt bij ons voor boeken en nog veel meer: voorlezen voor de kleintjes, hulp bij de computer en de digitale overheid, " +
		"taalcafés, leesclubs, lezingen en cursussen.\n\nIedereen is welkom, ook zonder lidmaatschap.",
	email: "info@bibliotheekrivierenland.example", phone: "0344 123 456", website: "https://www.bibliotheekrivierenland.example",
	staff: demoStaffEmail, staffName: "Sanne (bibliotheek)",
	branches: [2]*vestiging.Branch{{
		Name: "Bibliotheek Tiel", Street: "Markt 12", PostalCode: "4001 BT", City: "Tiel",
		Latitude: ptr(51.8866), Longitude: ptr(5.4296),
		OpeningHours: append(append(hours([]time.Weekday{time.Monday}, "13:00", "17:30"),
			hours(weekdays, "10:00", "17:30")...),
			vestiging.OpeningHours{Day: time.Thursday, Opens: "19:00", Closes: "21:00"},
			vestiging.OpeningHours{Day: time.Saturday, Opens: "10:00", Closes: "14:00"},
			vestiging.OpeningHours{Day: time.Sunday, Opens: "12:00", Closes: "16:00"}),
	}, {
		Name: "Bibliotheek Culemborg", Street: "Varkensmarkt 8", PostalCode: "4101 CK", City: "Culemborg",
		Latitude: ptr(51.9557), Longitude: ptr(5.2272),
		OpeningHours: append(hours(weekdays, "10:00", "17:00"),
			vestiging.OpeningHours{Day: time.Saturday, Opens: "10:00", Closes: "13:00"}),
	}},
	agenda: demoAgenda,
}

func (f *demoFill) branches() error {
	var ids [2]*int64
	for i, tmpl := range f.lib.branches {
		b := *tmpl // the template stays as it is for the next fill
		b.LibraryID = f.libraryID
		if err := f.svc.CreateBranch(f.ctx, &b); err != nil {
			return fmt.Errorf("branch %s: %w", b.Name, err)
		}
		ids[i] = &b.ID
	}
	f.first, f.second = ids[0], ids[1]
	return nil
}

// demoEvent is one line of the demo agenda; weeks lists the weeks it recurs in.
type demoEvent struct {
	weeks         []int
	weekday       int // Monday is 0
	hour, minute  int
	minutes       int
	title, text   string
	first, online bool   // else at the second branch
	place         string // a demoPlaces key: there, not at a branch
	audiences     []string
	themes        []string
	price         *vestiging.Price
	capacity      int
	registration  string
	status        string
}

// The places of the demo that are no branch of the library.
const (
	regenboog = "regenboog"
	kastanje  = "kastanje"
)

var demoPlaces = map[string]*vestiging.Place{
	regenboog: {Name: "OBS De Regenboog", Street: "Rijnstraat 20", PostalCode: "4001 AC", City: "Tiel",
		Latitude: ptr(51.8893), Longitude: ptr(5.4190)},
	kastanje: {Name: "Buurthuis De Kastanje", Street: "Kastanjelaan 4", PostalCode: "4102 BE", City: "Culemborg",
		Latitude: ptr(51.9496), Longitude: ptr(5.2352)},
}

// Prices of the demo: free, and amounts with a member price.
var (
	free         = &vestiging.Price{}
	lezingPrice  = &vestiging.Price{Cents: 500, MemberCents: ptr(int64(350))}
	workshopFee  = &vestiging.Price{Cents: 750, MemberCents: ptr(int64(500)), Note: "incl. materiaal"}
	leesclubFee  = &vestiging.Price{Cents: 250, MemberCents: ptr(int64(0)), Note: "koffie en thee inbegrepen"}
	auteurTicket = &vestiging.Price{Cents: 1250, MemberCents: ptr(int64(1000))}
	stamboomFee  = &vestiging.Price{Cents: 2500, MemberCents: ptr(int64(1500)), Note: "vier avonden"}
)

const (
	leesplezier = "leesplezier"
	digitaal    = "digitale-vaardigheden"
	leren       = "leven-lang-leren"
)

var demoAgenda = []demoEvent{
	{weeks: []int{0, 1, 2, 3}, weekday: 2, hour: 15, minutes: 45, title: "Voorleesuurtje",
		text:  "Spannende, grappige en mooie verhalen voor kinderen van 4 tot 7 jaar. Ouders en opa's en oma's zijn ook welkom.",
		first: true, audiences: []string{vestiging.AudienceChildren}, themes: []string{leesplezier}, price: free},
	{weeks: []int{0, 2, 4}, weekday: 4, hour: 10, minutes: 45, title: "Dreumesuurtje: voorlezen voor peuters",
		text:      "Prentenboeken, liedjes en versjes voor kinderen van 1 tot 4 jaar, samen met hun ouder of verzorger.",
		audiences: []string{vestiging.AudienceChildren}, themes: []string{leesplezier}, price: free},
	{weeks: []int{0, 1, 2, 3, 4}, weekday: 1, hour: 10, minutes: 120, title: "Digicafé",
		text:  "Vragen over je telefoon, tablet of laptop? Vrijwilligers helpen je op weg. Neem je eigen apparaat mee.\n\nGratis, aanmelden is niet nodig.",
		first: true, audiences: []string{vestiging.AudienceAdults, vestiging.AudienceSeniors}, themes: []string{digitaal, leren}, price: free},
	{weeks: []int{0, 1, 3}, weekday: 0, hour: 13, minute: 30, minutes: 120, title: "Klik & Tik inloop",
		text:      "Oefen in je eigen tempo met de computer, met begeleiding. Voor beginners.",
		audiences: []string{vestiging.AudienceSeniors}, themes: []string{digitaal}, price: free},
	{weeks: []int{0, 2, 4}, weekday: 3, hour: 14, minutes: 90, title: "Informatiepunt Digitale Overheid",
		text:      "Hulp bij DigiD, toeslagen, je belastingaangifte en andere zaken met de overheid. Neem je DigiD-gegevens mee.",
		audiences: []string{vestiging.AudienceAdults}, themes: []string{digitaal}, price: free},
	{weeks: []int{1, 4}, weekday: 3, hour: 20, minutes: 90, title: "Leesclub: Nederlandse romans",
		text:      "We bespreken deze maand een roman die zich in de Betuwe afspeelt. Lees het boek vooraf; de bibliotheek heeft leesclubexemplaren.",
		audiences: []string{vestiging.AudienceAdults}, themes: []string{leesplezier}, price: leesclubFee, capacity: 12,
		registration: vestiging.RegistrationOpen},
	{weeks: []int{2}, weekday: 3, hour: 20, minutes: 90, title: "Lezing: de geschiedenis van de Linge",
		text:  "Streekhistoricus Jan van Wijk vertelt over de rivier die de Betuwe vormde: dijken, overstromingen en scheepvaart.",
		first: true, audiences: []string{vestiging.AudienceAdults, vestiging.AudienceSeniors}, themes: []string{leren, leesplezier},
		price: lezingPrice, capacity: 60, registration: vestiging.RegistrationOpen},
	{weeks: []int{1}, weekday: 5, hour: 15, minutes: 90, title: "Opening expositie Rivierlandschappen",
		text:  "Schilders uit de regio tonen het rivierenlandschap door de seizoenen. De expositie is zes weken te zien.",
		first: true, audiences: []string{vestiging.AudienceAll}, themes: []string{leren}, price: free},
	{weeks: []int{2}, weekday: 2, hour: 19, minute: 30, minutes: 60, title: "Webinar: veilig online bankieren",
		text:   "Hoe herken je nepberichten en phishing? Een expert legt het uit en beantwoordt je vragen. Je kijkt thuis mee.",
		online: true, audiences: []string{vestiging.AudienceAdults}, themes: []string{digitaal}},
	{weeks: []int{3}, weekday: 1, hour: 19, minute: 30, minutes: 60, title: "Webinar: je pensioen digitaal regelen",
		text:   "Waar vind je je pensioenoverzicht en hoe regel je zaken online? Live webinar met vragen.",
		online: true, audiences: []string{vestiging.AudienceSeniors}, themes: []string{digitaal}},
	{weeks: []int{1}, weekday: 2, hour: 14, minutes: 120, title: "Minecraft-middag",
		text:  "Bouw samen met andere kinderen de bibliotheek van de toekomst na in Minecraft. Voor 9 tot 13 jaar.",
		place: kastanje, audiences: []string{vestiging.AudienceYouth}, themes: []string{digitaal}, price: free, capacity: 16,
		registration: vestiging.RegistrationOpen},
	{weeks: []int{3}, weekday: 5, hour: 13, minutes: 120, title: "Schrijfworkshop voor jongeren",
		text:  "Schrijf je eigen kort verhaal met hulp van een jonge schrijver. Voor 12 tot 18 jaar.",
		first: true, audiences: []string{vestiging.AudienceYouth}, themes: []string{leesplezier, leren}, price: workshopFee, capacity: 15,
		registration: vestiging.RegistrationOpen},
	{weeks: []int{3}, weekday: 4, hour: 19, minute: 30, minutes: 90, title: "Auteur te gast: Marieke de Wit",
		text:      "Een avond over schrijven, de Betuwe en haar nieuwe roman. Kaarten via de boekhandel.",
		audiences: []string{vestiging.AudienceAdults}, themes: []string{leesplezier}, price: auteurTicket,
		registration: vestiging.RegistrationExternal},
	{weeks: []int{0, 2}, weekday: 6, hour: 13, minutes: 120, title: "Familiemiddag: spelletjes en verhalen",
		text:  "Een zondagmiddag voor het hele gezin: bordspellen, een verteller en een knutseltafel. Binnenlopen kan de hele middag.",
		first: true, audiences: []string{vestiging.AudienceChildren, vestiging.AudienceAdults}, themes: []string{leesplezier}, price: free},
	{weeks: []int{0}, weekday: 5, hour: 11, minutes: 60, title: "Rondleiding voor nieuwe leden",
		text:  "Maak kennis met de bibliotheek: waar staat wat, hoe reserveer je, en wat kun je allemaal lenen?",
		first: true, audiences: []string{vestiging.AudienceAll}, themes: []string{leren}},
	{weeks: []int{1}, weekday: 3, hour: 9, minute: 30, minutes: 60, title: "Kinderboekenweek: voorlezen op school",
		text:  "De bibliotheek leest voor in de aula van OBS De Regenboog. Ouders en grootouders van de kinderen zijn welkom.",
		place: regenboog, audiences: []string{vestiging.AudienceChildren}, themes: []string{leesplezier}, price: free},
	{weeks: []int{2}, weekday: 1, hour: 14, minutes: 90, title: "Taalspreekuur in de wijk",
		text:  "Vragen over een brief of een formulier? Vrijwilligers van het Taalhuis helpen je, in het buurthuis bij jou in de buurt.",
		place: kastanje, audiences: []string{vestiging.AudienceAdults}, themes: []string{leren, digitaal}, price: free},
	{weeks: []int{1}, weekday: 3, hour: 20, minutes: 90, title: "Poëzieavond",
		text:  "Dichters uit de regio lezen voor. Helaas gaat deze avond niet door wegens ziekte.",
		first: true, audiences: []string{vestiging.AudienceAdults}, themes: []string{leesplezier}, status: vestiging.StatusCancelled},
	{weeks: []int{6}, weekday: 2, hour: 14, minutes: 120, title: "Kick-off Zomerlezen",
		text: "Concept: programma volgt nog.", first: true, audiences: []string{vestiging.AudienceChildren}, themes: []string{leesplezier},
		status: vestiging.StatusDraft},
	{weeks: []int{5}, weekday: 3, hour: 20, minutes: 90, title: "Filosofiecafé",
		text: "Concept: spreker nog bevestigen.", audiences: []string{vestiging.AudienceAdults}, themes: []string{leren},
		status: vestiging.StatusDraft},
}

func (f *demoFill) event(d demoEvent, w int) *vestiging.Event {
	start := f.at(w, d.weekday, d.hour, d.minute)
	e := &vestiging.Event{
		LibraryID: f.libraryID, Kind: vestiging.KindEvent, Title: d.title, Description: vestiging.TextToHTML(d.text),
		StartsAt: start, EndsAt: start.Add(time.Duration(d.minutes) * time.Minute), TimeZone: vestiging.DefaultTimeZone,
		Audiences: d.audiences, Themes: d.themes, Language: "nl", Capacity: d.capacity,
		RegistrationMode: d.registration, Status: d.status,
	}
	if d.price != nil {
		p := *d.price // each event its own copy: the store normalises it
		e.Price = &p
	}
	switch {
	case d.place != "":
		p := *demoPlaces[d.place] // the store finds the stored place by its name and address
		e.Place = &p
	case d.online:
		// Open webinars: anyone may watch, so the link is public.
		e.OnlineURL, e.OnlineLinkPublic = f.lib.website+"/webinar", true
	case d.first:
		e.BranchID = f.first
	default:
		e.BranchID = f.second
	}
	if e.RegistrationMode == vestiging.RegistrationExternal {
		e.RegistrationURL = f.lib.website + "/kaarten"
	}
	if e.Status == "" {
		e.Status = vestiging.StatusPublished
	}
	return e
}

func (f *demoFill) events() error {
	f.eventIDs = map[string]int64{}
	for _, d := range f.lib.agenda {
		for _, w := range d.weeks {
			if f.closed(w, d.weekday) {
				if len(d.weeks) > 1 {
					continue // a weekly activity skips the holiday
				}
				w = f.open(w, d.weekday)
			}
			e := f.event(d, w)
			if err := f.svc.CreateEvent(f.ctx, e); err != nil {
				return fmt.Errorf("event %q: %w", e.Title, err)
			}
			if _, ok := f.eventIDs[e.Title]; !ok {
				f.eventIDs[e.Title] = e.ID
			}
		}
	}
	return nil
}

// series adds the weekly language café for eight weeks, skipping the
// fourth and public holidays.
func (f *demoFill) series() error {
	start := f.open(0, 2)
	first := f.event(demoEvent{weekday: 2, hour: 19, minutes: 90, title: "Taalcafé",
		text:  "Oefen Nederlands praten in een ontspannen sfeer, met koffie en thee. Elke week een ander onderwerp. Iedereen die Nederlands leert is welkom.",
		first: true, audiences: []string{vestiging.AudienceAdults}, themes: []string{leren}, price: free}, start)
	s := &vestiging.Series{
		Frequency: vestiging.FrequencyWeekly,
		Until:     f.at(7, 2, 0, 0).Format(time.DateOnly),
		Skip:      []string{f.at(3, 2, 0, 0).Format(time.DateOnly)},
	}
	for w := start + 1; w <= 7; w++ {
		if f.closed(w, 2) && w != 3 {
			s.Skip = append(s.Skip, f.at(w, 2, 0, 0).Format(time.DateOnly))
		}
	}
	if _, err := f.svc.CreateSeries(f.ctx, s, first); err != nil {
		return fmt.Errorf("series %q: %w", first.Title, err)
	}
	return nil
}

func (f *demoFill) courses() error {
	course := func(title, text string, weekday, hour, minute, minutes, sessions int, branch *int64, audience, theme string, capacity int,
		price *vestiging.Price) *vestiging.Event {
		p := *price
		c := &vestiging.Event{
			LibraryID: f.libraryID, Kind: vestiging.KindCourse, Title: title, Description: vestiging.TextToHTML(text),
			TimeZone: vestiging.DefaultTimeZone, BranchID: branch, Audiences: []string{audience}, Themes: []string{theme}, Language: "nl",
			Capacity: capacity, RegistrationMode: vestiging.RegistrationOpen, Status: vestiging.StatusPublished, Price: &p,
		}
		for w := 1; len(c.Sessions) < sessions; w++ {
			if f.closed(w, weekday) {
				continue // the course skips a holiday and ends a week later
			}
			start := f.at(w, weekday, hour, minute)
			c.Sessions = append(c.Sessions, &vestiging.Session{StartsAt: start, EndsAt: start.Add(time.Duration(minutes) * time.Minute), BranchID: branch})
		}
		return c
	}
	stamboom := course("Cursus stamboomonderzoek",
		"Zoek uit waar je familie vandaan komt. In vier avonden leer je werken met archieven, WieWasWie en de burgerlijke stand.\n\n"+
			"De derde avond zijn we in Buurthuis De Kastanje, bij de werkgroep oud-Culemborg.",
		1, 19, 30, 120, 4, f.second, vestiging.AudienceAdults, leren, 14, stamboomFee)
	third := *demoPlaces[kastanje]
	stamboom.Sessions[2].BranchID, stamboom.Sessions[2].Place = nil, &third
	for _, c := range []*vestiging.Event{
		course("Cursus Klik & Tik: de basis",
			"In vijf lessen leer je werken met de computer: de muis en het toetsenbord, internet, e-mail en veilig wachtwoorden kiezen.\n\nVoor absolute beginners. Laptops zijn aanwezig.",
			0, 10, 0, 120, 5, f.first, vestiging.AudienceSeniors, digitaal, 8, free),
		stamboom,
	} {
		if err := f.svc.CreateEvent(f.ctx, c); err != nil {
			return fmt.Errorf("course %q: %w", c.Title, err)
		}
		f.eventIDs[c.Title] = c.ID
	}
	return nil
}

func (f *demoFill) people() error {
	f.residents = map[string]int64{}
	confirmed := vestiging.Now()
	people := []*vestiging.Person{{Email: f.lib.staff, DisplayName: f.lib.staffName, Role: vestiging.RoleAdmin}}
	if f.lib.full {
		people = append(people,
			&vestiging.Person{Email: "anna.dejong@voorbeeld.example", DisplayName: "Anna de Jong", Role: vestiging.RoleResident, Handle: "anna"},
			&vestiging.Person{Email: "m.elamrani@voorbeeld.example", DisplayName: "Mohammed El Amrani", Role: vestiging.RoleResident, Handle: "mohammed", Discoverable: true},
			&vestiging.Person{Email: "ria.verbeek@voorbeeld.example", DisplayName: "Ria Verbeek", Role: vestiging.RoleResident, Handle: "ria", Discoverable: true},
			&vestiging.Person{Email: "joost@voorbeeld.example", DisplayName: "Joost van Dam", Role: vestiging.RoleResident, Handle: "joost"})
	}
	for _, p := range people {
		p.ConfirmedAt = &confirmed // the demo's people need no mail to be complete
		if err := p.SetPassword(f.ctx, demoPassword); err != nil {
			return err
		}
		if err := f.svc.CreatePerson(f.ctx, p); err != nil {
			return fmt.Errorf("person %s: %w", p.Email, err)
		}
		f.residents[p.DisplayName] = p.ID
	}
	return nil
}

func (f *demoFill) offers() error {
	for _, o := range []struct {
		author, kind, title, text, theme, area, status string
	}{
		{"Ria Verbeek", vestiging.OfferKindOffer, "Hulp bij formulieren invullen",
			"Ik was dertig jaar administratief medewerker en help je graag met formulieren van de gemeente, het UWV of de Belastingdienst.",
			digitaal, "Tiel", vestiging.OfferApproved},
		{"Mohammed El Amrani", vestiging.OfferKindRequest, "Wie wil met mij Nederlands oefenen?",
			"Ik woon twee jaar in Nederland en zoek iemand om een uur per week mee te praten, bijvoorbeeld in de bibliotheek.",
			leren, "Culemborg", vestiging.OfferApproved},
		{"Joost van Dam", vestiging.OfferKindOffer, "Ik leer je werken met je smartphone",
			"Whatsapp, foto's versturen, de NS-app: ik leg het rustig uit. Op dinsdagmiddag in de bibliotheek.",
			digitaal, "Tiel-Oost", vestiging.OfferApproved},
		{"Anna de Jong", vestiging.OfferKindRequest, "Hulp gezocht bij het maken van een cv",
			"Ik zoek weer werk na jaren thuis voor de kinderen en wil graag hulp bij een goed cv en een sollicitatiebrief.",
			leren, "Culemborg", vestiging.OfferApproved},
		{"Anna de Jong", vestiging.OfferKindRequest, "Voorleesopa of -oma gezocht",
			"Voor de peuterochtend in de wijk zoeken we iemand die een keer per maand wil voorlezen.",
			leesplezier, "Culemborg", vestiging.OfferPending},
		{"Joost van Dam", vestiging.OfferKindOffer, "Boeken ruilen in de buurt",
			"Ik heb een minibieb voor mijn deur gezet. Neem een boek, breng een boek!",
			leesplezier, "Tiel", vestiging.OfferPending},
	} {
		offer := &vestiging.Offer{Kind: o.kind, Title: o.title, Description: vestiging.TextToHTML(o.text),
			Theme: o.theme, Area: o.area, Contact: "Reageer via de bibliotheek.", AuthorID: f.residents[o.author]}
		if err := f.svc.CreateOffer(f.ctx, offer); err != nil {
			return fmt.Errorf("offer %q: %w", o.title, err)
		}
		if o.status != vestiging.OfferPending {
			if err := f.svc.SetOfferStatus(f.ctx, offer.ID, o.status, "", nil); err != nil {
				return fmt.Errorf("offer %q: %w", o.title, err)
			}
		}
	}
	return nil
}

// partner adds a welfare organisation with one published activity it
// organises with the library and one proposal waiting for approval.
func (f *demoFill) partner() error {
	confirmed := vestiging.Now()
	p := &vestiging.Person{Email: "info@welzijntiel.example", DisplayName: "Stichting Welzijn Tiel",
		Role: vestiging.RolePartner, ConfirmedAt: &confirmed}
	if err := p.SetPassword(f.ctx, demoPassword); err != nil {
		return err
	}
	if err := f.svc.CreatePerson(f.ctx, p); err != nil {
		return fmt.Errorf("partner: %w", err)
	}
	for _, d := range []demoEvent{
		{weeks: []int{2}, weekday: 0, hour: 14, minutes: 90, title: "Spreekuur geldzaken",
			text:  "Vrijwilligers van Stichting Welzijn Tiel helpen je met je post, rekeningen en toeslagen. Gratis en vertrouwelijk.",
			first: true, audiences: []string{vestiging.AudienceAdults}, themes: []string{leren}, price: free, capacity: 6,
			registration: vestiging.RegistrationOpen},
		{weeks: []int{4}, weekday: 0, hour: 14, minutes: 90, title: "Workshop formulieren van de gemeente",
			text: "Samen oefenen met de formulieren van de gemeente Tiel.", first: true, audiences: []string{vestiging.AudienceAdults},
			themes: []string{leren}, status: vestiging.StatusPending},
	} {
		e := f.event(d, f.open(d.weeks[0], d.weekday))
		e.PartnerID = &p.ID
		if err := f.svc.CreateEvent(f.ctx, e); err != nil {
			return fmt.Errorf("partner event %q: %w", e.Title, err)
		}
		f.eventIDs[e.Title] = e.ID
	}
	return nil
}

// registrations fills a few sign-ups: the 3D printing workshop is full and
// has a waitlist, so staff can see promotion at work by cancelling one.
func (f *demoFill) registrations() error {
	workshop := f.event(demoEvent{weekday: 4, hour: 14, minutes: 120, title: "Workshop 3D-printen",
		text:  "Ontwerp en print je eigen sleutelhanger. Met maar twee printers is er plek voor twee deelnemers.",
		first: true, audiences: []string{vestiging.AudienceYouth}, themes: []string{digitaal}, capacity: 2, registration: vestiging.RegistrationOpen}, f.open(1, 4))
	// A question on sign-up, answered below: staff see the answers on the attendee list.
	workshop.Questions = []*vestiging.Question{{Kind: vestiging.QuestionChoice, Label: "Heb je al eens met een 3D-printer gewerkt?",
		Options: []string{"Nee, nog nooit", "Een paar keer", "Ja, vaak"}}}
	if err := f.svc.CreateEvent(f.ctx, workshop); err != nil {
		return fmt.Errorf("event %q: %w", workshop.Title, err)
	}
	f.eventIDs[workshop.Title] = workshop.ID
	for _, r := range []struct{ event, person string }{
		{"Workshop 3D-printen", "Joost van Dam"},
		{"Workshop 3D-printen", "Mohammed El Amrani"},
		{"Workshop 3D-printen", "Anna de Jong"},
		{"Cursus Klik & Tik: de basis", "Ria Verbeek"},
		{"Cursus Klik & Tik: de basis", "Anna de Jong"},
		{"Leesclub: Nederlandse romans", "Ria Verbeek"},
	} {
		token, _ := vestiging.NewToken()
		reg := &vestiging.Registration{EventID: f.eventIDs[r.event], PersonID: f.residents[r.person], CancelToken: token}
		if reg.EventID == workshop.ID {
			reg.Answers = []vestiging.Answer{{QuestionID: workshop.Questions[0].ID, Value: "Nee, nog nooit"}}
		}
		if err := f.svc.Register(f.ctx, reg); err != nil {
			return fmt.Errorf("registration of %s for %q: %w", r.person, r.event, err)
		}
	}
	return nil
}

// replies adds a resident's question under an event, waiting for approval.
func (f *demoFill) replies() error {
	r := &vestiging.Reply{ObjectType: vestiging.ReplyToEvent, ObjectID: f.eventIDs["Lezing: de geschiedenis van de Linge"],
		PersonID: f.residents["Mohammed El Amrani"],
		Content:  vestiging.TextToHTML("Is de lezing ook geschikt voor mensen die nog Nederlands leren?")}
	if err := f.svc.CreateReply(f.ctx, r); err != nil {
		return fmt.Errorf("reply: %w", err)
	}
	return nil
}
