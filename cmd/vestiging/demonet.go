package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/vestiging/vestiging"
	"github.com/vestiging/vestiging/federation"
)

// The demo's network: serve --demo starts two neighbouring demo libraries
// beside the demo library, each a real instance on its own loopback port
// with its own database under DATA/neighbours, in the same process. The
// three follow each other over ActivityPub, so the agenda shows the
// neighbours' activities and the libraries page is not empty from the
// first start.

// demoNeighbours are the neighbouring libraries, on the two ports after
// the demo library's (or the next free ones).
var demoNeighbours = []*demoLibrary{&deWaard, &lingeland}

var deWaard = demoLibrary{
	name: "Bibliotheek De Waard", slug: "dewaard", mark: "Waard", colour: "#2e6b30",
	description: "Bibliotheek De Waard is de bibliotheek van Zaltbommel, Brakel en de dorpen in de Bommelerwaard. " +
		"Kom lezen, leren en elkaar ontmoeten: van voorlezen en een computercafé tot lezingen over de streek.",
	email: "info@bibliotheekdewaard.example", phone: "0418 123 456", website: "https://www.bibliotheekdewaard.example",
	staff: "medewerker@bibliotheekdewaard.example", staffName: "Femke (bibliotheek)",
	branches: [2]*vestiging.Branch{{
		Name: "Bibliotheek Zaltbommel", Street: "Waterstraat 25", PostalCode: "5301 AH", City: "Zaltbommel",
		Latitude: ptr(51.8106), Longitude: ptr(5.2466),
		OpeningHours: append(hours(weekdays, "10:00", "17:30"), vestiging.OpeningHours{Day: time.Saturday, Opens: "10:00", Closes: "14:00"}),
	}, {
		Name: "Bibliotheek Brakel", Street: "Kerkstraat 3", PostalCode: "5306 AT", City: "Brakel",
		Latitude: ptr(51.8166), Longitude: ptr(5.0903),
		OpeningHours: hours([]time.Weekday{time.Tuesday, time.Wednesday, time.Friday}, "13:00", "17:00"),
	}},
	agenda: []demoEvent{
		{weeks: []int{0, 1, 2, 3}, weekday: 5, hour: 10, minute: 30, minutes: 45, title: "Voorlezen op zaterdag",
			text:  "De voorleesvrienden lezen prentenboeken voor aan kinderen van 3 tot 6 jaar. Je hoeft je niet aan te melden.",
			first: true, audiences: []string{vestiging.AudienceChildren}, themes: []string{leesplezier}, price: free},
		{weeks: []int{0, 1, 2, 3, 4}, weekday: 3, hour: 10, minutes: 120, title: "Computercafé voor 55-plussers",
			text:  "Stel je vragen over je laptop, tablet of telefoon aan onze digihulpen. Neem je eigen apparaat mee.",
			first: true, audiences: []string{vestiging.AudienceSeniors}, themes: []string{digitaal}, price: free},
		{weeks: []int{0, 1, 2, 3}, weekday: 1, hour: 13, minute: 30, minutes: 90, title: "Taalhuis: inloopspreekuur",
			text:      "Wil je beter leren lezen, schrijven of rekenen? Of zoek je een taalmaatje? Loop binnen voor een gesprek.",
			audiences: []string{vestiging.AudienceAdults}, themes: []string{leren}, price: free},
		{weeks: []int{1}, weekday: 3, hour: 20, minutes: 90, title: "Lezing: de Bommelerwaard door de eeuwen heen",
			text:  "Over dijken, kastelen en de Waalbrug: een streekhistoricus vertelt hoe de Bommelerwaard werd wat hij is.",
			first: true, audiences: []string{vestiging.AudienceAdults, vestiging.AudienceSeniors}, themes: []string{leren, leesplezier},
			price: lezingPrice, capacity: 80, registration: vestiging.RegistrationOpen},
		{weeks: []int{1}, weekday: 1, hour: 19, minute: 30, minutes: 120, title: "Workshop: foto's bewerken op je telefoon",
			text:  "Leer in één avond je foto's rechtzetten, bijsnijden en mooier maken, met de apps die al op je telefoon staan.",
			first: true, audiences: []string{vestiging.AudienceAdults}, themes: []string{digitaal}, price: workshopFee, capacity: 12,
			registration: vestiging.RegistrationOpen},
		{weeks: []int{2}, weekday: 2, hour: 15, minute: 30, minutes: 60, title: "Boekenclub voor jonge lezers",
			text:      "Praat met andere lezers van 10 tot 14 jaar over het boek dat je las, en kies samen het volgende.",
			audiences: []string{vestiging.AudienceYouth}, themes: []string{leesplezier}, price: free, capacity: 10,
			registration: vestiging.RegistrationOpen},
		{weeks: []int{0}, weekday: 2, hour: 14, minutes: 120, title: "Spelletjesmiddag",
			text:      "Bordspellen, kaartspellen en puzzels voor jong en oud. Neem gerust je eigen lievelingsspel mee.",
			audiences: []string{vestiging.AudienceAll}, themes: []string{leren}, price: free},
	},
}

var lingeland = demoLibrary{
	name: "Bibliotheek Lingeland", slug: "lingeland", mark: "Lingeland", colour: "#8a3a12",
	description: "Bibliotheek Lingeland is er voor Geldermalsen, Leerdam en de dorpen langs de Linge. " +
		"Je leent bij ons boeken en komt voor hulp met de computer, voor de Codeclub, het schrijfcafé en lezingen.",
	email: "info@bibliotheeklingeland.example", phone: "0345 123 456", website: "https://www.bibliotheeklingeland.example",
	staff: "medewerker@bibliotheeklingeland.example", staffName: "Joris (bibliotheek)",
	branches: [2]*vestiging.Branch{{
		Name: "Bibliotheek Geldermalsen", Street: "Rijksstraatweg 10", PostalCode: "4191 AB", City: "Geldermalsen",
		Latitude: ptr(51.8814), Longitude: ptr(5.2884),
		OpeningHours: append(hours(weekdays, "10:00", "17:00"), vestiging.OpeningHours{Day: time.Saturday, Opens: "10:00", Closes: "13:00"}),
	}, {
		Name: "Bibliotheek Leerdam", Street: "Kerkstraat 20", PostalCode: "4141 AV", City: "Leerdam",
		Latitude: ptr(51.8932), Longitude: ptr(5.0922),
		OpeningHours: append(hours([]time.Weekday{time.Monday}, "13:00", "17:00"), hours(weekdays, "10:00", "17:00")...),
	}},
	agenda: []demoEvent{
		{weeks: []int{0, 2, 4}, weekday: 4, hour: 10, minutes: 45, title: "BoekStart: peuterochtend",
			text:  "Liedjes, versjes en prentenboeken voor kinderen tot 4 jaar en hun ouders. Met koffie voor de grote mensen.",
			first: true, audiences: []string{vestiging.AudienceChildren}, themes: []string{leesplezier}, price: free},
		{weeks: []int{0, 1, 2, 3}, weekday: 0, hour: 14, minutes: 120, title: "Computerinloop",
			text:      "Oefen in je eigen tempo met de computer. Een vrijwilliger helpt je als je vastloopt.",
			audiences: []string{vestiging.AudienceSeniors}, themes: []string{digitaal}, price: free},
		{weeks: []int{0, 1, 2, 3}, weekday: 1, hour: 10, minutes: 120, title: "Spreekuur Digitale Overheid",
			text:  "Hulp bij DigiD, de Belastingdienst, toeslagen en andere zaken met de overheid.",
			first: true, audiences: []string{vestiging.AudienceAdults}, themes: []string{digitaal}, price: free},
		{weeks: []int{1}, weekday: 3, hour: 19, minute: 30, minutes: 90, title: "Lezing: glas uit Leerdam",
			text:      "Een conservator vertelt over honderd jaar glasblazen in Leerdam, met stukken uit eigen collectie.",
			audiences: []string{vestiging.AudienceAdults, vestiging.AudienceSeniors}, themes: []string{leren},
			price: lezingPrice, capacity: 50, registration: vestiging.RegistrationOpen},
		{weeks: []int{1, 3}, weekday: 2, hour: 19, minute: 30, minutes: 120, title: "Schrijfcafé",
			text:  "Schrijf samen met anderen aan je verhaal, gedicht of memoires, met een korte opdracht om mee te beginnen.",
			first: true, audiences: []string{vestiging.AudienceAdults}, themes: []string{leesplezier, leren}, price: leesclubFee,
			capacity: 14, registration: vestiging.RegistrationOpen},
		{weeks: []int{1, 2}, weekday: 5, hour: 10, minutes: 120, title: "Codeclub",
			text:  "Programmeer je eigen spel met Scratch of laat een robot rijden. Voor kinderen van 8 tot 12 jaar.",
			first: true, audiences: []string{vestiging.AudienceYouth}, themes: []string{digitaal}, price: free, capacity: 12,
			registration: vestiging.RegistrationOpen},
		{weeks: []int{2}, weekday: 0, hour: 19, minute: 30, minutes: 60, title: "Webinar: je familiegeschiedenis online",
			text:   "Waar vind je je voorouders op internet? Een archivaris laat de beste websites zien. Je kijkt thuis mee.",
			online: true, audiences: []string{vestiging.AudienceAdults}, themes: []string{leren}},
	},
}

// startServing starts the instance on ln and, with the demo when its base
// URL is ln's own loopback port, the neighbouring libraries beside it. The
// network is nil without them.
func startServing(ctx context.Context, cfg serveConfig, ln net.Listener) (*instance, *demoNetwork, error) {
	cfg.defaults()
	var nw *demoNetwork
	if cfg.Demo && demoNetworkOn(cfg.BaseURL, ln) {
		nw = listenNeighbours(cfg.Data, listenPort(ln), cfg.Logger)
		cfg.LoopbackPorts = nw.ports(listenPort(ln))
	}
	inst, err := startInstance(ctx, cfg, ln)
	if err == nil && nw != nil {
		if err = nw.start(ctx, cfg, inst.Fed); err != nil {
			err = errors.Join(err, inst.Close(ctx))
		}
	}
	if err != nil {
		if nw != nil {
			err = errors.Join(err, nw.Close(ctx))
		}
		return nil, nil, err
	}
	return inst, nw, nil
}

// demoFollowTimeout bounds each follow between the demo's libraries.
const demoFollowTimeout = 10 * time.Second

// demoNetworkOn reports whether the neighbours can run beside the instance
// whose base URL is base and which listens on ln: base must be plain http
// on a loopback name and ln's port, where the neighbours reach it.
func demoNetworkOn(base *url.URL, ln net.Listener) bool {
	if base.Scheme != "http" || base.Port() != strconv.Itoa(listenPort(ln)) {
		return false
	}
	if base.Hostname() == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(base.Hostname())
	return err == nil && ip.IsLoopback()
}

func listenPort(ln net.Listener) int {
	if a, ok := ln.Addr().(*net.TCPAddr); ok {
		return a.Port
	}
	return 0
}

// demoNetwork is the neighbouring libraries of a demo.
type demoNetwork struct {
	neighbours []*neighbour
}

// neighbour is one neighbouring library: its listener, then its instance.
type neighbour struct {
	lib  *demoLibrary
	dir  string
	ln   net.Listener
	base *url.URL
	inst *instance
}

// neighbourTries is how many ports after the demo library's are tried for
// the neighbours.
const neighbourTries = 20

// listenNeighbours opens the neighbours' listeners: each on the address it
// had before, kept in its folder, so that its address (and so who it is
// to the others) stays the same; else on the first free port after
// mainPort. A neighbour that cannot listen is left out with a warning.
func listenNeighbours(data string, mainPort int, logger *slog.Logger) *demoNetwork {
	nw := &demoNetwork{}
	next := mainPort + 1
	for _, lib := range demoNeighbours {
		dir := filepath.Join(data, "neighbours", lib.slug)
		addrFile := filepath.Join(dir, "listen")
		ln, err := func() (net.Listener, error) {
			if b, err := os.ReadFile(addrFile); err == nil {
				return net.Listen("tcp", strings.TrimSpace(string(b)))
			} else if !errors.Is(err, os.ErrNotExist) {
				return nil, err
			}
			for ; next < mainPort+1+neighbourTries; next++ {
				if ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(next)); err == nil {
					next++
					return ln, nil
				}
			}
			return nil, fmt.Errorf("no free port from %d to %d", mainPort+1, mainPort+neighbourTries)
		}()
		if err == nil {
			if err = os.MkdirAll(dir, 0o750); err == nil {
				err = os.WriteFile(addrFile, []byte(ln.Addr().String()+"\n"), 0o640)
			}
			if err != nil {
				ln.Close()
			}
		}
		if err != nil {
			logger.Warn("the demo's neighbouring library does not start", "library", lib.name, "err", err)
			continue
		}
		nw.neighbours = append(nw.neighbours, &neighbour{lib: lib, dir: dir, ln: ln,
			base: &url.URL{Scheme: "http", Host: "localhost:" + strconv.Itoa(listenPort(ln))}})
	}
	return nw
}

// ports are the loopback ports of the demo: the demo library's and its
// neighbours'. Federation reaches loopback there and nowhere else.
func (nw *demoNetwork) ports(mainPort int) []uint16 {
	ports := []uint16{uint16(mainPort)}
	for _, n := range nw.neighbours {
		ports = append(ports, uint16(listenPort(n.ln)))
	}
	return ports
}

// start starts the neighbours, each filled with its own demo library when
// new, with main's settings where they share them (logging, loopback
// ports, clock), and has the three follow each other.
func (nw *demoNetwork) start(ctx context.Context, main serveConfig, mainFed *federation.Federator) error {
	for _, n := range nw.neighbours {
		cfg := serveConfig{
			Data: n.dir, BaseURL: n.base, Workers: 4, PollInterval: main.PollInterval,
			Demo: true, DemoLibrary: n.lib, LoopbackPorts: main.LoopbackPorts,
			Clock: main.Clock, Logger: main.Logger.With("library", n.lib.slug), MediaDir: filepath.Join(n.dir, "media"),
		}
		inst, err := startInstance(ctx, cfg, n.ln)
		if err != nil {
			return fmt.Errorf("the demo's neighbouring library %s: %w", n.lib.name, err)
		}
		n.inst = inst
	}
	feds := map[string]*federation.Federator{federation.ActorID(main.BaseURL): mainFed}
	for _, n := range nw.neighbours {
		feds[federation.ActorID(n.base)] = n.inst.Fed
	}
	// The follow of staff on the network page; one made before stays as it
	// is, so a restart asks nothing again.
	for from, fed := range feds {
		for to := range feds {
			if to == from {
				continue
			}
			fctx, cancel := context.WithTimeout(ctx, demoFollowTimeout)
			_, err := fed.Follow(fctx, to)
			cancel()
			if err != nil {
				main.Logger.Warn("demo: a library could not follow its neighbour", "from", from, "to", to, "err", err)
			}
		}
	}
	return nil
}

// report prints where the neighbours are and their sign-ins.
func (nw *demoNetwork) report(w io.Writer) {
	if len(nw.neighbours) == 0 {
		return
	}
	fmt.Fprintln(w, "Neighbouring demo libraries, which follow this one and each other:")
	for _, n := range nw.neighbours {
		fmt.Fprintf(w, "  %s on %s (admin login: %s / %s)\n", n.lib.name, n.base, n.lib.staff, demoPassword)
	}
}

// Close stops the neighbours that run.
func (nw *demoNetwork) Close(ctx context.Context) error {
	var errs []error
	for _, n := range nw.neighbours {
		if n.inst != nil {
			errs = append(errs, n.inst.Close(ctx))
		} else {
			n.ln.Close()
		}
	}
	return errors.Join(errs...)
}
