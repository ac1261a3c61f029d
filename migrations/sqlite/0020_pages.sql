-- Pages staff write for the library's own site (issue 15): about, contact,
-- house rules. Each is Markdown kept as typed beside the HTML it renders to,
-- as descriptions are, and may be linked in the header or footer menu.

CREATE TABLE pages (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	slug           TEXT NOT NULL UNIQUE,
	title          TEXT NOT NULL,
	content_source TEXT NOT NULL,
	content        TEXT NOT NULL,
	menu           TEXT NOT NULL DEFAULT '', -- header, footer or '' (none)
	position       INTEGER NOT NULL DEFAULT 0,
	updated_at     TEXT NOT NULL
);

-- The privacy statement is there from the start, linked in the footer: a
-- default that says what this software keeps (store/page_test.go checks
-- that the HTML is what its Markdown renders to), which the library edits.
INSERT INTO pages (slug, title, content_source, content, menu, position, updated_at)
VALUES ('privacy', 'Privacyverklaring', 'Hier lees je welke gegevens de bibliotheek via deze site bewaart, waarvoor, hoe lang, en hoe je ze inziet of laat verwijderen. De bibliotheek past deze tekst aan haar eigen situatie aan.

**Wie is verantwoordelijk**

De bibliotheek die deze site beheert. Haar naam en e-mailadres staan onderaan elke pagina; met vragen over je gegevens kun je daar terecht.

**Als je een account hebt**

- Je e-mailadres, je naam en je wachtwoord. Het wachtwoord bewaren we alleen versleuteld: niemand kan het lezen.
- Je naam in het netwerk (@naam) en of anderen je mogen vinden. Dat kies je zelf.
- Je aanmeldingen voor activiteiten, je aanbod en vragen, je reacties en de bibliotheken die je volgt.

We gebruiken dit om je aanmeldingen te regelen, je te mailen over activiteiten waarvoor je je aanmeldde, en om te tonen wat je zelf openbaar maakt.

**Als je je aanmeldt zonder account**

Meld je je als gast aan, dan bewaren we je naam en e-mailadres: om je plaats te bevestigen en je te laten weten als er iets verandert.

**Hoe lang**

- Wie zich voor een activiteit aanmeldde, wissen we een vaste tijd na afloop van de activiteit: standaard na 30 dagen (de bibliotheek kan dit instellen). Daarna blijft alleen het aantal aanmeldingen over, zonder namen of e-mailadressen.
- Je account blijft bestaan tot je het zelf verwijdert.
- Als je inlogt, bewaart je browser een cookie waarmee je ingelogd blijft, hoogstens 30 dagen. Een ander cookie onthoudt je taalkeuze. We gebruiken geen cookies van anderen en volgen je niet over andere sites.
- Bij elk bezoek noteert de server je IP-adres, de pagina en het tijdstip in zijn logboek, om storingen en misbruik op te sporen.

**Wat anderen zien**

Wat je zelf openbaar maakt (aanbod, vragen en reacties, nadat de bibliotheek ze heeft goedgekeurd) staat op deze site en wordt gedeeld met andere bibliotheken en servers in het netwerk, net als je naam in het netwerk.

**Inzien, meenemen en verwijderen**

- Op de pagina Mijn account download je al je gegevens in één bestand (JSON).
- Daar verwijder je ook je account. Je aanmeldingen, je aanbod en vragen, je reacties en de bibliotheken die je volgt verdwijnen dan, en de andere servers in het netwerk horen dat je account weg is. Dat kun je niet ongedaan maken.
- Heb je je als gast aangemeld, dan annuleer je met de link in je bevestigingsmail.
- Wil je iets anders inzien, laten verbeteren of laten wissen, mail dan de bibliotheek.',
'<p>Hier lees je welke gegevens de bibliotheek via deze site bewaart, waarvoor, hoe lang, en hoe je ze inziet of laat verwijderen. De bibliotheek past deze tekst aan haar eigen situatie aan.</p><p><strong>Wie is verantwoordelijk</strong></p><p>De bibliotheek die deze site beheert. Haar naam en e-mailadres staan onderaan elke pagina; met vragen over je gegevens kun je daar terecht.</p><p><strong>Als je een account hebt</strong></p><ul><li>Je e-mailadres, je naam en je wachtwoord. Het wachtwoord bewaren we alleen versleuteld: niemand kan het lezen.</li><li>Je naam in het netwerk (@naam) en of anderen je mogen vinden. Dat kies je zelf.</li><li>Je aanmeldingen voor activiteiten, je aanbod en vragen, je reacties en de bibliotheken die je volgt.</li></ul><p>We gebruiken dit om je aanmeldingen te regelen, je te mailen over activiteiten waarvoor je je aanmeldde, en om te tonen wat je zelf openbaar maakt.</p><p><strong>Als je je aanmeldt zonder account</strong></p><p>Meld je je als gast aan, dan bewaren we je naam en e-mailadres: om je plaats te bevestigen en je te laten weten als er iets verandert.</p><p><strong>Hoe lang</strong></p><ul><li>Wie zich voor een activiteit aanmeldde, wissen we een vaste tijd na afloop van de activiteit: standaard na 30 dagen (de bibliotheek kan dit instellen). Daarna blijft alleen het aantal aanmeldingen over, zonder namen of e-mailadressen.</li><li>Je account blijft bestaan tot je het zelf verwijdert.</li><li>Als je inlogt, bewaart je browser een cookie waarmee je ingelogd blijft, hoogstens 30 dagen. Een ander cookie onthoudt je taalkeuze. We gebruiken geen cookies van anderen en volgen je niet over andere sites.</li><li>Bij elk bezoek noteert de server je IP-adres, de pagina en het tijdstip in zijn logboek, om storingen en misbruik op te sporen.</li></ul><p><strong>Wat anderen zien</strong></p><p>Wat je zelf openbaar maakt (aanbod, vragen en reacties, nadat de bibliotheek ze heeft goedgekeurd) staat op deze site en wordt gedeeld met andere bibliotheken en servers in het netwerk, net als je naam in het netwerk.</p><p><strong>Inzien, meenemen en verwijderen</strong></p><ul><li>Op de pagina Mijn account download je al je gegevens in één bestand (JSON).</li><li>Daar verwijder je ook je account. Je aanmeldingen, je aanbod en vragen, je reacties en de bibliotheken die je volgt verdwijnen dan, en de andere servers in het netwerk horen dat je account weg is. Dat kun je niet ongedaan maken.</li><li>Heb je je als gast aangemeld, dan annuleer je met de link in je bevestigingsmail.</li><li>Wil je iets anders inzien, laten verbeteren of laten wissen, mail dan de bibliotheek.</li></ul>', 'footer', 10, strftime('%Y-%m-%dT%H:%M:%S', 'now') || '.000000Z');
