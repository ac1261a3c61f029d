package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vestiging/vestiging"
)

// languages the site speaks; the first is the default.
var languages = []string{"nl", "en"}

const langCookie = "lang"

type ctxKey int

const (
	langKey ctxKey = iota
	personKey
	tokenKey
)

// language picks the page language: ?lang= (remembered in a cookie), then
// the cookie, then Accept-Language, then Dutch.
func (s *Server) language(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := ""
		if q := r.URL.Query().Get("lang"); isLanguage(q) {
			lang = q
			http.SetCookie(w, &http.Cookie{Name: langCookie, Value: q, Path: "/", MaxAge: 365 * 24 * 3600,
				HttpOnly: true, Secure: s.https(r), SameSite: http.SameSiteLaxMode})
		} else if c, err := r.Cookie(langCookie); err == nil && isLanguage(c.Value) {
			lang = c.Value
		} else {
			lang = acceptLanguage(r.Header.Get("Accept-Language"))
		}
		w.Header().Add("Vary", "Accept-Language, Cookie")
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), langKey, lang)))
	})
}

func isLanguage(s string) bool {
	for _, l := range languages {
		if s == l {
			return true
		}
	}
	return false
}

// acceptLanguage returns the supported language with the highest q value,
// the earlier one on a tie, and Dutch when none is acceptable.
func acceptLanguage(header string) string {
	best, bestQ := languages[0], 0.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if isLanguage(base) && q > bestQ {
			best, bestQ = base, q
		}
	}
	return best
}

func langFrom(ctx context.Context) string {
	if l, ok := ctx.Value(langKey).(string); ok {
		return l
	}
	return languages[0]
}

// translate returns the Dutch text for an English source string, or the
// source string itself for English and for anything not in the catalog.
func translate(lang, s string) string {
	if lang == "nl" {
		for _, c := range catalogs {
			if nl, ok := c[s]; ok {
				return nl
			}
		}
	}
	return s
}

var (
	weekdaysNL = []string{"zo", "ma", "di", "wo", "do", "vr", "za"}
	weekdaysEN = []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	monthsNL   = []string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
		"september", "oktober", "november", "december"}
	weekdayNamesNL = []string{"zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"}
)

// formatDate writes a date as "za 5 december 2026" or "Sat 5 December 2026".
func formatDate(lang string, t time.Time) string {
	if lang == "nl" {
		return fmt.Sprintf("%s %d %s %d", weekdaysNL[t.Weekday()], t.Day(), monthsNL[t.Month()-1], t.Year())
	}
	return fmt.Sprintf("%s %d %s %d", weekdaysEN[t.Weekday()], t.Day(), t.Month(), t.Year())
}

// formatSpan writes a start and end in loc: "za 5 december 2026, 14:00–16:00",
// or both dates in full when the end falls on another day.
func formatSpan(lang string, start, end time.Time, loc *time.Location) string {
	start, end = start.In(loc), end.In(loc)
	if start.Format(time.DateOnly) == end.Format(time.DateOnly) {
		return fmt.Sprintf("%s, %s–%s", formatDate(lang, start), start.Format("15:04"), end.Format("15:04"))
	}
	return fmt.Sprintf("%s, %s – %s, %s", formatDate(lang, start), start.Format("15:04"), formatDate(lang, end), end.Format("15:04"))
}

func weekdayName(lang string, d time.Weekday) string {
	if lang == "nl" {
		return weekdayNamesNL[d]
	}
	return d.String()
}

// audienceNames holds the English names; the catalog has the Dutch ones.
var audienceNames = map[string]string{
	vestiging.AudienceAll:      "Everyone",
	vestiging.AudienceChildren: "Children",
	vestiging.AudienceYouth:    "Young people",
	vestiging.AudienceAdults:   "Adults",
	vestiging.AudienceSeniors:  "Seniors",
}

func templateFuncs(lang string) template.FuncMap {
	t := func(s string) string { return translate(lang, s) }
	return template.FuncMap{
		"t":  t,
		"tf": func(format string, args ...any) string { return fmt.Sprintf(t(format), args...) },
		"when": func(e *vestiging.Event) string {
			return formatSpan(lang, e.StartsAt, e.EndsAt, e.Location())
		},
		"span": func(start, end time.Time, loc *time.Location) string {
			return formatSpan(lang, start, end, loc)
		},
		"date":           func(tm time.Time) string { return formatDate(lang, tm) },
		"weekday":        func(d time.Weekday) string { return weekdayName(lang, d) },
		"audience":       func(a string) string { return t(audienceNames[a]) },
		"proposalStatus": func(status string) string { return t(proposalStatus[status]) },
		"audiences":      func() []string { return vestiging.Audiences },
		"description":    description,
		"field":          newField,
		"add":            func(a, b int) int { return a + b },
		// stamp is a moment in the site's time zone: "za 5 december 2026, 14:03".
		"stamp": func(tm time.Time) string {
			tm = tm.In(defaultLocation())
			return formatDate(lang, tm) + ", " + tm.Format("15:04")
		},
		// dict passes several values to a partial: dict "Key" value ….
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
	}
}

// catalog maps every English source string to Dutch: the pages' texts, the
// web layer's messages and the domain's validation messages.
// catalogs are searched in order; each part of the site keeps its own.
var catalogs = []map[string]string{catalog, registrationCatalog, communityCatalog, adminCatalog}

var catalog = map[string]string{
	// Residents following libraries, the directory and the agendas.
	"My agenda": "Mijn agenda",
	"Activities of this library and of the libraries you follow.": "Activiteiten van deze bibliotheek en van de bibliotheken die je volgt.",
	"Libraries you follow":                    "Bibliotheken die je volgt",
	"Place or postcode":                       "Plaats of postcode",
	"For example Tiel or 4001":                "Bijvoorbeeld Tiel of 4001",
	"Past activities (archive), newest first": "Afgelopen activiteiten (archief), nieuwste eerst",
	"Libraries":                               "Bibliotheken",
	"The libraries this library knows in the network: those it follows and those that follow it.": "De bibliotheken die deze bibliotheek kent in het netwerk: die ze volgt en die haar volgen.",
	"Sign in to follow a library.": "Log in om een bibliotheek te volgen.",
	"Place":                        "Plaats",
	"%d upcoming activities":       "%d komende activiteiten",
	"Unfollow %s":                  "%s ontvolgen",
	"Follow %s":                    "%s volgen",
	"This library knows no other libraries yet.": "Deze bibliotheek kent nog geen andere bibliotheken.",
	"Their activities appear in your agenda.":    "Hun activiteiten staan in je agenda.",
	"All libraries we know":                      "Alle bibliotheken die we kennen",
	"Handle or address":                          "Naam of adres",
	"For example @agenda@bibliotheek.example.nl": "Bijvoorbeeld @agenda@bibliotheek.example.nl",
	"You follow":                 "Je volgt",
	"You follow no library yet.": "Je volgt nog geen bibliotheek.",
	"Choose a handle for your account before you follow libraries.":       "Kies eerst een naam voor je account voordat je bibliotheken volgt.",
	"That account is not a library; only libraries can be followed here.": "Dat account is geen bibliotheek; je kunt hier alleen bibliotheken volgen.",
	"Confirm your email address before you follow libraries.":             "Bevestig eerst je e-mailadres voordat je bibliotheken volgt.",

	// Layout and navigation.
	"Skip to content":     "Naar de inhoud",
	"Main menu":           "Hoofdmenu",
	"Agenda":              "Agenda",
	"Offers and requests": "Vraag en aanbod",
	"The library":         "De bibliotheek",
	"Staff":               "Medewerkers",
	"Signed in as %s":     "Ingelogd als %s",
	"Sign in":             "Inloggen",
	"Sign out":            "Uitloggen",
	"Language":            "Taal",
	"Part of the nationwide virtual library.": "Onderdeel van de landelijke virtuele bibliotheek.",
	"Pages":         "Pagina's",
	"Previous page": "Vorige pagina",
	"Next page":     "Volgende pagina",
	"Page %d of %d": "Pagina %d van %d",

	// Public pages.
	"Welcome":                              "Welkom",
	"Coming up":                            "Binnenkort",
	"No events planned at the moment.":     "Er staan op dit moment geen activiteiten gepland.",
	"See the whole agenda":                 "Bekijk de hele agenda",
	"Courses":                              "Cursussen",
	"No courses planned at the moment.":    "Er staan op dit moment geen cursussen gepland.",
	"Filter the agenda":                    "Filter de agenda",
	"From":                                 "Vanaf",
	"To":                                   "Tot en met",
	"As YYYY-MM-DD":                        "Als JJJJ-MM-DD",
	"As HH:MM":                             "Als UU:MM",
	"Theme":                                "Thema",
	"All themes":                           "Alle thema's",
	"Audience":                             "Doelgroep",
	"Branch":                               "Vestiging",
	"All branches":                         "Alle vestigingen",
	"Online only":                          "Alleen online",
	"Show":                                 "Toon",
	"Clear filters":                        "Filters wissen",
	"%d activities found":                  "%d activiteiten gevonden",
	"More than %d activities found":        "Meer dan %d activiteiten gevonden",
	"No events found.":                     "Geen activiteiten gevonden.",
	"Course":                               "Cursus",
	"Cancelled":                            "Geannuleerd",
	"Online":                               "Online",
	"Draft: only staff can see this page.": "Concept: alleen medewerkers zien deze pagina.",
	"This activity will not take place.":   "Deze activiteit gaat niet door.",
	"This course will not take place.":     "Deze cursus gaat niet door.",
	"When":                                 "Wanneer",
	"Where":                                "Waar",
	"For":                                  "Voor",
	"Places":                               "Plaatsen",
	"Register":                             "Aanmelden",
	"Sessions (%d)":                        "Bijeenkomsten (%d)",
	"One registration covers all sessions of this course.":                                                             "Eén aanmelding geldt voor alle bijeenkomsten van deze cursus.",
	"Registration is required. Signing up on this site will be possible soon; until then, please contact the library.": "Aanmelden is nodig. Binnenkort kan dat op deze site; neem tot die tijd contact op met de bibliotheek.",
	"Residents offer help or ask for it. The library checks every entry before it appears here.":                       "Inwoners bieden hulp aan of vragen erom. De bibliotheek bekijkt elk bericht voordat het hier verschijnt.",
	"Kind":                         "Soort",
	"Offers":                       "Aanbod",
	"Requests":                     "Vragen",
	"Offer":                        "Aanbod",
	"Request":                      "Vraag",
	"Contact":                      "Contact",
	"No offers or requests found.": "Geen vraag of aanbod gevonden.",
	"Website":                      "Website",
	"Email address":                "E-mailadres",
	"Phone":                        "Telefoon",
	"Branches":                     "Vestigingen",
	"Opening hours":                "Openingstijden",
	"Closed":                       "Gesloten",
	"No branches yet.":             "Nog geen vestigingen.",
	"Go to the home page":          "Naar de startpagina",
	"See the agenda":               "Bekijk de agenda",
	"Password":                     "Wachtwoord",

	// Audiences.
	"Everyone":     "Iedereen",
	"Children":     "Kinderen",
	"Young people": "Jongeren",
	"Adults":       "Volwassenen",
	"Seniors":      "Senioren",

	// Languages of activities.
	"Dutch":     "Nederlands",
	"English":   "Engels",
	"Frisian":   "Fries",
	"German":    "Duits",
	"French":    "Frans",
	"Arabic":    "Arabisch",
	"Turkish":   "Turks",
	"Polish":    "Pools",
	"Ukrainian": "Oekraïens",

	// Error pages.
	"Bad request":             "Ongeldig verzoek",
	"Not signed in":           "Niet ingelogd",
	"Not allowed":             "Geen toegang",
	"Page not found":          "Pagina niet gevonden",
	"Conflict":                "Conflict",
	"Too large":               "Te groot",
	"Please correct the form": "Verbeter het formulier",
	"Too many requests":       "Te veel verzoeken",
	"Something went wrong":    "Er ging iets mis",
	"Temporarily unavailable": "Tijdelijk niet beschikbaar",
	"We could not find this page. It may have been moved or removed.":             "We kunnen deze pagina niet vinden. Misschien is hij verplaatst of verwijderd.",
	"This address does not accept that request.":                                  "Dit adres accepteert dat verzoek niet.",
	"This form was sent from another site and has been refused.":                  "Dit formulier is vanaf een andere site verstuurd en is geweigerd.",
	"Too many attempts. Please wait a minute and try again.":                      "Te veel pogingen. Wacht een minuut en probeer het opnieuw.",
	"What you sent is too large (at most 1 MB). Please shorten it and try again.": "Wat u verstuurde is te groot (hoogstens 1 MB). Maak het korter en probeer het opnieuw.",
	"Something went wrong on our side. Please try again later.":                   "Er ging bij ons iets mis. Probeer het later opnieuw.",
	"The service is temporarily unavailable. Please try again later.":             "De dienst is tijdelijk niet beschikbaar. Probeer het later opnieuw.",
	"This part of the site is for library staff only.":                            "Dit deel van de site is alleen voor medewerkers van de bibliotheek.",
	"Email address or password is incorrect.":                                     "E-mailadres of wachtwoord is onjuist.",
	"The form could not be read.":                                                 "Het formulier kon niet worden gelezen.",
	"Not found.":                                                                  "Niet gevonden.",
	"Internal error.":                                                             "Interne fout.",

	// Staff area.
	"Staff menu":                   "Menu medewerkers",
	"New event":                    "Nieuwe activiteit",
	"New course":                   "Nieuwe cursus",
	"Moderate offers":              "Vraag en aanbod beoordelen",
	"Library profile and branches": "Profiel en vestigingen",
	"Themes":                       "Thema's",
	"All events":                   "Alle activiteiten",
	"Upcoming events":              "Komende activiteiten",
	"Show upcoming events only":    "Toon alleen komende activiteiten",
	"Include past events":          "Toon ook afgelopen activiteiten",
	"Events":                       "Activiteiten",
	"Title":                        "Titel",
	"Status":                       "Status",
	"Actions":                      "Acties",
	"Draft":                        "Concept",
	"Published":                    "Gepubliceerd",
	"Edit":                         "Bewerken",
	"Publish":                      "Publiceren",
	"Save as draft":                "Opslaan als concept",
	"Cancel event":                 "Annuleren",
	"Description":                  "Beschrijving",
	"You can use simple formatting: paragraphs, bold, italic, lists and links.": "U kunt eenvoudige opmaak gebruiken: alinea's, vet, cursief, lijsten en links.",
	"Time zone": "Tijdzone",
	"Sessions":  "Bijeenkomsten",
	"One row per meeting. Rows left empty are ignored.": "Eén rij per bijeenkomst. Lege rijen worden overgeslagen.",
	"Session %d": "Bijeenkomst %d",
	"Date":       "Datum",
	"Start date": "Begindatum",
	"Start time": "Begintijd",
	"End date":   "Einddatum",
	"End time":   "Eindtijd",
	"Leave empty when the event ends on the day it starts.": "Laat leeg als de activiteit eindigt op de dag dat ze begint.",
	"No branch (online)": "Geen vestiging (online)",
	"Online link":        "Online link",
	"For online activities: the address where people join.": "Voor online activiteiten: het adres waar mensen meedoen.",
	"No theme":                     "Geen thema",
	"Language of the activity":     "Taal van de activiteit",
	"Image address":                "Adres van de afbeelding",
	"Image description (alt text)": "Beschrijving van de afbeelding (alt-tekst)",
	"Describe the image for people who cannot see it.": "Beschrijf de afbeelding voor mensen die haar niet kunnen zien.",
	"Capacity": "Aantal plaatsen",
	"Number of places; leave empty for no limit.": "Aantal plaatsen; laat leeg voor geen maximum.",
	"Registration":                              "Aanmelden",
	"No registration needed":                    "Aanmelden niet nodig",
	"Registration on this site":                 "Aanmelden via deze site",
	"Registration elsewhere":                    "Aanmelden elders",
	"Registration address":                      "Adres voor aanmelden",
	"Only for registration elsewhere.":          "Alleen bij aanmelden elders.",
	"Repeat":                                    "Herhalen",
	"Does not repeat":                           "Niet herhalen",
	"Every week":                                "Elke week",
	"Every month (same weekday)":                "Elke maand (zelfde weekdag)",
	"Last date":                                 "Laatste datum",
	"Skip these dates":                          "Deze data overslaan",
	"Dates as YYYY-MM-DD, separated by commas.": "Data als JJJJ-MM-DD, gescheiden door komma's.",
	"Approve":                                   "Goedkeuren",
	"Reject":                                    "Afwijzen",
	"Reason":                                    "Reden",
	"Reason for rejecting":                      "Reden van afwijzing",
	"Nothing to moderate.":                      "Er is niets te beoordelen.",
	"Name":                                      "Naam",
	"Logo address":                              "Adres van het logo",
	"Logo description (alt text)":               "Beschrijving van het logo (alt-tekst)",
	"Save":                                      "Opslaan",
	"Add a branch":                              "Vestiging toevoegen",
	"Street and number":                         "Straat en huisnummer",
	"Postal code":                               "Postcode",
	"City":                                      "Plaats",
	"Latitude":                                  "Breedtegraad",
	"Longitude":                                 "Lengtegraad",
	"For the map, such as 52.37; optional.":     "Voor de kaart, bijvoorbeeld 52.37; niet verplicht.",
	"For the map, such as 4.89; optional.":      "Voor de kaart, bijvoorbeeld 4.89; niet verplicht.",
	"Times as HH:MM. Leave a day empty when the branch is closed.": "Tijden als UU:MM. Laat een dag leeg als de vestiging dan gesloten is.",
	"Day":               "Dag",
	"Opens":             "Open",
	"Closes":            "Dicht",
	"Add a theme":       "Thema toevoegen",
	"Add theme":         "Thema toevoegen",
	"Short name (slug)": "Korte naam (slug)",
	"Lower-case letters, digits and hyphens, such as taalcafe.": "Kleine letters, cijfers en koppeltekens, bijvoorbeeld taalcafe.",
	"Name in Dutch":   "Naam in het Nederlands",
	"Name in English": "Naam in het Engels",

	// Resident accounts: handles, email links (domain and store messages).
	"Use 2 to 30 characters: lower-case letters, digits and _.":                      "Gebruik 2 tot 30 tekens: kleine letters, cijfers en _.",
	"This name is reserved; choose another.":                                         "Deze naam is gereserveerd; kies een andere.",
	"This name is already taken.":                                                    "Deze naam is al in gebruik.",
	"No account with this name.":                                                     "Geen account met deze naam.",
	"This link is not valid: it has expired or was used already. Ask for a new one.": "Deze link is niet geldig: hij is verlopen of al gebruikt. Vraag een nieuwe aan.",

	// Resident accounts: sign-up, confirmation, password reset, account page and mails.
	"Sign up":           "Account maken",
	"My account":        "Mijn account",
	"Create an account": "Een account maken",
	"With an account you follow libraries across the country, keep your own agenda and sign up for activities.": "Met een account volg je bibliotheken in het hele land, houd je je eigen agenda bij en meld je je aan voor activiteiten.",
	"We send a link to this address to confirm it.":                                                             "We sturen een link naar dit adres om het te bevestigen.",
	"Your name": "Je naam",
	"Shown with what you share, such as offers on the board.": "Staat bij wat je deelt, zoals aanbod op het prikbord.",
	"Your name in the network":                                "Je naam in het netwerk",
	"2 to 30 lower-case letters, digits or _. Others can follow you as @name@this-site; you cannot change it later.": "2 tot 30 kleine letters, cijfers of _. Anderen kunnen je volgen als @naam@deze-site; je kunt hem later niet veranderen.",
	"At least 8 characters.":              "Minstens 8 tekens.",
	"Repeat the password":                 "Herhaal het wachtwoord",
	"Create account":                      "Account maken",
	"Already have an account?":            "Heb je al een account?",
	"The two passwords are not the same.": "De twee wachtwoorden zijn niet gelijk.",
	"The password is not correct.":        "Het wachtwoord klopt niet.",
	"Check your email":                    "Kijk in je e-mail",
	"Confirm your email address":          "Bevestig je e-mailadres",
	"We sent a mail to %s. Open the link in it within 48 hours to confirm your address. No mail? Look in your spam folder.": "We hebben een e-mail gestuurd naar %s. Open de link erin binnen 48 uur om je adres te bevestigen. Geen e-mail? Kijk in je map met ongewenste e-mail.",
	"Your email address is confirmed": "Je e-mailadres is bevestigd",
	"Confirm my email address":        "Mijn e-mailadres bevestigen",
	"Confirm with the button below that this address is yours; then you can follow libraries and sign up for activities.":              "Bevestig met de knop hieronder dat dit adres van jou is; daarna kun je bibliotheken volgen en je aanmelden voor activiteiten.",
	"Thank you. You can now follow libraries and sign up for activities.":                                                              "Dank je. Je kunt nu bibliotheken volgen en je aanmelden voor activiteiten.",
	"Please confirm your email address with the link we sent to %s. Until then you cannot follow libraries or sign up for activities.": "Bevestig je e-mailadres met de link die we naar %s hebben gestuurd. Tot dan kun je geen bibliotheken volgen en je niet aanmelden voor activiteiten.",
	"Send the link again":   "Stuur de link opnieuw",
	"Forgot your password?": "Wachtwoord vergeten?",
	"Give the email address of your account. We send you a link to choose a new password.": "Geef het e-mailadres van je account. We sturen je een link om een nieuw wachtwoord te kiezen.",
	"Send the link": "Stuur de link",
	"If there is an account for %s, we sent it a link to choose a new password. The link works for an hour.": "Als er een account is voor %s, hebben we daar een link naartoe gestuurd om een nieuw wachtwoord te kiezen. De link werkt een uur.",
	"Choose a new password":          "Kies een nieuw wachtwoord",
	"Save the new password":          "Nieuw wachtwoord opslaan",
	"Your password has been changed": "Je wachtwoord is veranderd",
	"You have been signed out everywhere. Sign in with your new password.": "Je bent overal uitgelogd. Log in met je nieuwe wachtwoord.",
	"Your changes have been saved.":                                        "Je wijzigingen zijn opgeslagen.",
	"Your password has been changed. Other devices have been signed out.":  "Je wachtwoord is veranderd. Op andere apparaten ben je uitgelogd.",
	"not confirmed yet":  "nog niet bevestigd",
	"Profile":            "Profiel",
	"Others may find me": "Anderen mogen mij vinden",
	"People in the network can then find your profile by name. Off by default.": "Mensen in het netwerk kunnen je profiel dan op naam vinden. Staat standaard uit.",
	"Change password":               "Wachtwoord wijzigen",
	"Current password":              "Huidig wachtwoord",
	"New password":                  "Nieuw wachtwoord",
	"Repeat the new password":       "Herhaal het nieuwe wachtwoord",
	"Your data":                     "Je gegevens",
	"Download all your data (JSON)": "Download al je gegevens (JSON)",
	"Delete my account":             "Mijn account verwijderen",
	"This removes your account, your offers and requests, and the libraries you follow. Libraries elsewhere in the network are told that your account is gone. It cannot be undone.": "Dit verwijdert je account, je aanbod en vragen, en de bibliotheken die je volgt. Bibliotheken elders in het netwerk horen dat je account weg is. Dit kan niet ongedaan worden gemaakt.",
	"Want a copy first?":                                             "Eerst een kopie?",
	"Give your password to confirm.":                                 "Geef je wachtwoord om te bevestigen.",
	"Delete my account for good":                                     "Mijn account definitief verwijderen",
	"Your account has been deleted":                                  "Je account is verwijderd",
	"Your account and everything you shared here have been removed.": "Je account en alles wat je hier deelde zijn verwijderd.",
	"Hello %s,":     "Hallo %s,",
	"Hello,":        "Hallo,",
	"Kind regards,": "Met vriendelijke groet,",
	"Welcome to %s. Confirm your email address with this link within 48 hours:":                                                 "Welkom bij %s. Bevestig je e-mailadres met deze link, binnen 48 uur:",
	"Did you not create an account? Then ignore this mail.":                                                                     "Heb je geen account gemaakt? Negeer deze e-mail dan.",
	"Someone asked to reset the password of your account at %s. Choose a new password with this link within an hour:":           "Iemand heeft gevraagd het wachtwoord van je account bij %s opnieuw in te stellen. Kies een nieuw wachtwoord met deze link, binnen een uur:",
	"The link works once. Did you not ask for this? Then ignore this mail: your password stays as it is.":                       "De link werkt één keer. Heb je dit niet gevraagd? Negeer deze e-mail dan: je wachtwoord blijft zoals het is.",
	"Someone tried to create an account with your address":                                                                      "Iemand probeerde een account te maken met jouw adres",
	"Someone tried to create a new account at %s with this email address. You already have an account, so nothing has changed.": "Iemand probeerde bij %s een nieuw account te maken met dit e-mailadres. Je hebt al een account, dus er is niets veranderd.",
	"Was it you? Sign in at %s, or choose a new password at %s.":                                                                "Was jij dat? Log in op %s, of kies een nieuw wachtwoord op %s.",
	"Was it not you? Then ignore this mail.":                                                                                    "Was jij het niet? Negeer deze e-mail dan.",

	// Messages of the web layer's forms.
	"Give the date as YYYY-MM-DD.":                     "Geef de datum als JJJJ-MM-DD.",
	"Give a number from 1 to 100.":                     "Geef een getal van 1 tot en met 100.",
	"This agenda in your calendar app or feed reader:": "Deze agenda in je agenda-app of feedlezer:",
	"My agenda in your calendar":                       "Mijn agenda in je agenda-app",
	"You have a new address. The old one no longer works: subscribe again with this one.": "Je hebt een nieuw adres. Het oude werkt niet meer: abonneer je opnieuw met dit adres.",
	"Subscribe to this address in your calendar app (Google Calendar, Apple Calendar, Outlook, Thunderbird) to see the activities of this library and of the libraries you follow. New and changed activities appear by themselves.": "Abonneer je in je agenda-app (Google Agenda, Apple Agenda, Outlook, Thunderbird) op dit adres om de activiteiten van deze bibliotheek en van de bibliotheken die je volgt te zien. Nieuwe en gewijzigde activiteiten verschijnen vanzelf.",
	"Your personal calendar address":                                     "Je persoonlijke agenda-adres",
	"Keep it to yourself: anyone with this address can see your agenda.": "Houd het voor jezelf: iedereen met dit adres kan je agenda zien.",
	"Subscribe in your calendar app":                                     "Abonneren in je agenda-app",
	"Download (.ics)":                                                    "Downloaden (.ics)",
	"A new address":                                                      "Een nieuw adres",
	"Did the address get out? Make a new one; the old address stops working at once.": "Is het adres uitgelekt? Maak een nieuw; het oude adres werkt dan meteen niet meer.",
	"Make a new address":             "Maak een nieuw adres",
	"Give a number from 1 to 50.":    "Geef een getal van 1 tot en met 50.",
	"opens in a new tab":             "opent in een nieuw tabblad",
	"The whole agenda":               "De hele agenda",
	"Feeds and embedding":            "Feeds en insluiten",
	"The agenda on your own website": "De agenda op uw eigen website",
	"Copy this code into a page of the library's website. It shows the next activities; every title opens the full page in a new tab.":                                                      "Kopieer deze code in een pagina van de website van de bibliotheek. Die toont de eerstvolgende activiteiten; elke titel opent de volledige pagina in een nieuw tabblad.",
	"Settings in the address: color (the theme colour as a hex code, %23 for #), limit (1 to 50 activities), theme, branch, audience, online and library — the same filters as the agenda.": "Instellingen in het adres: color (de huisstijlkleur als hexcode, %23 voor #), limit (1 tot 50 activiteiten), theme, branch, audience, online en library — dezelfde filters als de agenda.",
	"Example":                        "Voorbeeld",
	"Example of the embedded agenda": "Voorbeeld van de ingesloten agenda",
	"Calendar feeds":                 "Agendafeeds",
	"Residents can subscribe to these addresses in their calendar app; changes show up by themselves.": "Inwoners kunnen zich in hun agenda-app op deze adressen abonneren; wijzigingen komen er vanzelf in.",
	"For developers":                                     "Voor ontwikkelaars",
	"A JSON read API with the same filters:":             "Een JSON-API om te lezen, met dezelfde filters:",
	"Give the date as YYYY-MM-DD and the time as HH:MM.": "Geef de datum als JJJJ-MM-DD en de tijd als UU:MM.",
	"The end date must not be before the start date.":    "De einddatum mag niet voor de begindatum liggen.",
	"Choose a branch from the list.":                     "Kies een vestiging uit de lijst.",
	"Give a whole number.":                               "Geef een geheel getal.",
	"Give a number, such as 52.37.":                      "Geef een getal, bijvoorbeeld 52.37.",
	"Give a reason; the author will see it.":             "Geef een reden; de schrijver krijgt die te zien.",
	"Give both the opening and the closing time, or leave both empty for a closed day.": "Geef zowel de openings- als de sluitingstijd, of laat beide leeg voor een gesloten dag.",
	"This short name is already taken.":                                                 "Deze korte naam is al in gebruik.",

	// The domain's validation messages (root package).
	"Please correct the marked fields.":                             "Verbeter de gemarkeerde velden.",
	"This field is required.":                                       "Dit veld is verplicht.",
	"This text is too long.":                                        "Deze tekst is te lang.",
	"This address is too long.":                                     "Dit adres is te lang.",
	"Enter a web address starting with http:// or https://.":        "Vul een webadres in dat begint met http:// of https://.",
	"Enter a valid email address.":                                  "Vul een geldig e-mailadres in.",
	"Unknown kind.":                                                 "Onbekende soort.",
	"Unknown status.":                                               "Onbekende status.",
	"Unknown time zone.":                                            "Onbekende tijdzone.",
	"Unknown language.":                                             "Onbekende taal.",
	"Choose an audience from the list.":                             "Kies een doelgroep uit de lijst.",
	"Choose a registration mode from the list.":                     "Kies een manier van aanmelden uit de lijst.",
	"Give the address where people register.":                       "Geef het adres waar mensen zich aanmelden.",
	"Capacity cannot be negative.":                                  "Het aantal plaatsen kan niet negatief zijn.",
	"Choose a branch or give an online link.":                       "Kies een vestiging of geef een online link.",
	"Give a start date and time.":                                   "Geef een begindatum en -tijd.",
	"Give an end date and time.":                                    "Geef een einddatum en -tijd.",
	"The end must be after the start.":                              "Het einde moet na het begin liggen.",
	"A course needs at least one session.":                          "Een cursus heeft minstens één bijeenkomst nodig.",
	"A course can have at most 100 sessions.":                       "Een cursus kan hoogstens 100 bijeenkomsten hebben.",
	"Every session needs a start and an end after it.":              "Elke bijeenkomst heeft een begin en een later einde nodig.",
	"Every session needs a branch or an online link.":               "Elke bijeenkomst heeft een vestiging of een online link nodig.",
	"That page does not exist.":                                     "Die pagina bestaat niet.",
	"Choose weekly or monthly.":                                     "Kies wekelijks of maandelijks.",
	"Give the last date as YYYY-MM-DD.":                             "Geef de laatste datum als JJJJ-MM-DD.",
	"The last date must not be before the first.":                   "De laatste datum mag niet voor de eerste liggen.",
	"Give skipped dates as YYYY-MM-DD.":                             "Geef de over te slaan data als JJJJ-MM-DD.",
	"That makes too many occurrences; choose an earlier last date.": "Dat worden te veel keren; kies een eerdere laatste datum.",
	"Give both latitude and longitude, or neither.":                 "Geef zowel breedte- als lengtegraad, of geen van beide.",
	"Latitude must be between -90 and 90.":                          "De breedtegraad moet tussen -90 en 90 liggen.",
	"Longitude must be between -180 and 180.":                       "De lengtegraad moet tussen -180 en 180 liggen.",
	"Use HH:MM and close after opening.":                            "Gebruik UU:MM en sluit na het openen.",
	"Choose offer or request.":                                      "Kies aanbod of vraag.",
	"An offer needs an author.":                                     "Een aanbod heeft een schrijver nodig.",
	"Role must be resident, partner, staff or admin.":               "De rol moet inwoner, partner, medewerker of beheerder zijn.",
	"Use at least 8 characters.":                                    "Gebruik minstens 8 tekens.",
	"Use lower-case letters, digits and hyphens.":                   "Gebruik kleine letters, cijfers en koppeltekens.",

	// Federation: the network, remote events, deleting.
	"Choose block or allow.":                                                              "Kies blokkeren of toestaan.",
	"Give a domain name, such as bibliotheek.example.nl.":                                 "Geef een domeinnaam, zoals bibliotheek.example.nl.",
	"Give a handle such as @agenda@bibliotheek.example.nl, or an address.":                "Geef een naam zoals @agenda@bibliotheek.example.nl, of een adres.",
	"That library could not be reached. Check the handle or address and try again later.": "Die bibliotheek is niet bereikbaar. Controleer de naam of het adres en probeer het later opnieuw.",
	// The federator's messages when following fails.
	"The library cannot follow itself.":                                                                     "De bibliotheek kan zichzelf niet volgen.",
	"Give a handle such as @agenda@bibliotheek.example or an actor address.":                                "Geef een naam zoals @agenda@bibliotheek.example of het adres van een account.",
	"Public libraries follow each other, so this agenda also shows what libraries in the network organise.": "Openbare bibliotheken volgen elkaar, zodat deze agenda ook laat zien wat bibliotheken in het netwerk organiseren.",
	"Follow this library": "Deze bibliotheek volgen",
	"On Mastodon or another fediverse service, search for this name and follow it to see every new activity in your timeline:": "Zoek op Mastodon of een andere fediversedienst naar deze naam en volg haar om elke nieuwe activiteit in je tijdlijn te zien:",
	"Their activities in our agenda":  "Hun activiteiten in onze agenda",
	"On Mastodon and the fediverse":   "Op Mastodon en de fediverse",
	"The first %d of %d.":             "De eerste %d van %d.",
	"Choose a library from the list.": "Kies een bibliotheek uit de lijst.",
	"Library":                         "Bibliotheek",
	"This library":                    "Deze bibliotheek",
	"This library and the network":    "Deze bibliotheek en het netwerk",
	"Libraries we follow":             "Bibliotheken die we volgen",
	"From %s":                         "Van %s",
	"From another library":            "Van een andere bibliotheek",
	"On the library's own site":       "Op de site van die bibliotheek",
	"Delete":                          "Verwijderen",
	"Network":                         "Netwerk",
	"Delete event":                    "Activiteit verwijderen",
	"Delete for good":                 "Definitief verwijderen",
	"Delete “%s” (%s) for good?":      "“%s” (%s) definitief verwijderen?",
	"Keep it":                         "Niet verwijderen",
	"This cannot be undone. Libraries and people following this library remove it too. To call an event off, cancel it instead.": "Dit kan niet ongedaan worden gemaakt. Bibliotheken en mensen die deze bibliotheek volgen, verwijderen het ook. Gaat een activiteit niet door, annuleer haar dan.",
	"Followers: %d": "Volgers: %d",
	"A handle such as @agenda@bibliotheek.example.nl, or the address of its page.": "Een naam zoals @agenda@bibliotheek.example.nl, of het adres van haar pagina.",
	"Add rule": "Regel toevoegen",
	"Allow: federate with this domain in allowlist mode": "Toestaan: uitwisselen met dit domein in de stand met toegestane domeinen",
	"Allowed": "Toegestaan",
	"Block: refuse everything from this domain": "Blokkeren: alles van dit domein weigeren",
	"Blocked":                     "Geblokkeerd",
	"Blocked and allowed domains": "Geblokkeerde en toegestane domeinen",
	"Delivery per server":         "Bezorging per server",
	"Domain":                      "Domein",
	"Failed deliveries in a row":  "Mislukte bezorgingen op rij",
	"Failing":                     "Mislukt",
	"Follow":                      "Volgen",
	"Follow a library":            "Een bibliotheek volgen",
	"Followers":                   "Volgers",
	"Following":                   "Volgend",
	"Healthy":                     "In orde",
	"Last error":                  "Laatste fout",
	"Libraries follow each other to show each other's events in their agendas. People on Mastodon and similar services follow this library too.": "Bibliotheken volgen elkaar om elkaars activiteiten in hun agenda te tonen. Mensen op Mastodon en vergelijkbare diensten volgen deze bibliotheek ook.",
	"No domain rules.":            "Geen domeinregels.",
	"Nothing delivered yet.":      "Nog niets bezorgd.",
	"Paused until %s":             "Gepauzeerd tot %s",
	"Refused":                     "Geweigerd",
	"Remove":                      "Verwijderen",
	"Rule":                        "Regel",
	"Server":                      "Server",
	"Such as social.example.org.": "Zoals social.example.org.",
	"This library follows no other library yet.": "Deze bibliotheek volgt nog geen andere bibliotheek.",
	"Unavailable":           "Onbereikbaar",
	"Unfollow":              "Ontvolgen",
	"Waiting for an answer": "Wacht op antwoord",

	// Uploads (media)
	"Or upload a logo":   "Of upload een logo",
	"Or upload an image": "Of upload een afbeelding",
	"JPEG, PNG or WebP, at most 10 MB. Replaces the address above.":                 "JPEG, PNG of WebP, hoogstens 10 MB. Komt in de plaats van het adres hierboven.",
	"Describe the logo for people who cannot see it.":                               "Beschrijf het logo voor mensen die het niet kunnen zien.",
	"What you sent is too large: an image may be at most 10 MB.":                    "Wat u verstuurde is te groot: een afbeelding mag hoogstens 10 MB zijn.",
	"This image is too large: at most 10 MB.":                                       "Deze afbeelding is te groot: hoogstens 10 MB.",
	"This file is not a JPEG, PNG or WebP image.":                                   "Dit bestand is geen JPEG-, PNG- of WebP-afbeelding.",
	"This image has too many pixels: at most 40 megapixels.":                        "Deze afbeelding heeft te veel pixels: hoogstens 40 megapixel.",
	"This image could not be read. Save it again as JPEG or PNG and try once more.": "Deze afbeelding kon niet worden gelezen. Sla haar opnieuw op als JPEG of PNG en probeer het nog eens.",

	// Searching the agenda.
	"Search": "Zoeken",
	"Words from the title, description, place or library":                     "Woorden uit de titel, beschrijving, plaats of bibliotheek",
	"Nothing found for “%s”. Try other or fewer words, or clear the filters.": "Niets gevonden voor “%s”. Probeer andere of minder woorden, of wis de filters.",
}
