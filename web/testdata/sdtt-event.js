// Checks an event or course page's structured data with
// structured-data-testing-tool: its Twitter and Facebook (Open Graph)
// presets, and Google's requirements for the event rich result, which the
// tool has no preset of its own for (4.5: Google's preset holds articles,
// organisations and web pages), written out here from Google's Event
// documentation: name, startDate and location are required, the others
// recommended. Usage: node sdtt-event.js URL; exit 1 on a failed test.
"use strict";
const { structuredDataTest } = require("structured-data-testing-tool");
const { Twitter } = require("structured-data-testing-tool/presets/twitter");
const { Facebook } = require("structured-data-testing-tool/presets/facebook");

const event = (type) => ({
  name: "Google event rich result (" + type + ")",
  description: "Google Search Central: Event structured data",
  schema: type,
  conditional: { test: type },
  tests: [
    { test: type },
    { test: `${type}[*].name` },
    { test: `${type}[*].startDate` },
    { test: `${type}[*].endDate` },
    { test: `${type}[*].location` },
    { test: `${type}[*].eventStatus` },
    { test: `${type}[*].eventAttendanceMode` },
    { test: `${type}[*].description` },
    { test: `${type}[*].image` },
    { test: `${type}[*].organizer.name` },
    { test: `${type}[*].organizer.url` },
    { test: `${type}[*].offers[0].price` },
    { test: `${type}[*].offers[0].priceCurrency`, expect: "EUR" },
    { test: `${type}[*].offers[0].availability` },
    { test: `${type}[*].offers[0].url` },
    { test: `${type}[*].offers[0].validFrom` },
  ],
});

const url = process.argv[2];
structuredDataTest(url, {
  presets: [Twitter, Facebook, event("Event"), event("EducationEvent")],
})
  .then((res) => {
    console.log(`${url}: ${res.passed.length} passed, 0 failed`);
  })
  .catch((err) => {
    if (err.type === "VALIDATION_FAILED") {
      const failed = err.res.failed.map((f) => `${f.test}${f.error ? ": " + f.error.message : ""}`);
      console.log(`${url}: ${err.res.passed.length} passed, ${failed.length} failed\n  ${failed.join("\n  ")}`);
    } else {
      console.log(`${url}: ${err.message}`);
    }
    process.exit(1);
  });
