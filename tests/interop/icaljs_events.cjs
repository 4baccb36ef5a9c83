// Reads an iCalendar file on stdin and prints, per VEVENT UID, its start and end
// as UTC instants the way ical.js clients (Thunderbird, Nextcloud) compute them:
// the calendar's VTIMEZONE components are registered, then each event is read.
"use strict";
const ICAL = require("ical.js");
const fs = require("fs");

const root = new ICAL.Component(ICAL.parse(fs.readFileSync(0, "utf8")));
for (const vtimezone of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(vtimezone));
}
const events = {};
for (const vevent of root.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(vevent);
  events[event.uid] = {
    start: event.startDate.toJSDate().toISOString(),
    end: event.endDate.toJSDate().toISOString(),
    tzid: event.startDate.zone ? event.startDate.zone.tzid : null,
    summary: event.summary,
  };
}
process.stdout.write(JSON.stringify(events));
