-- Questions staff ask on sign-up (a few per activity, in order), and the
-- answers, which belong to the registration: they go when its personal
-- data is erased (anonymisation, a deleted account) and with a question
-- staff remove. A choice's options are kept one per line.
CREATE TABLE event_questions (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	kind     TEXT NOT NULL,
	label    TEXT NOT NULL,
	options  TEXT NOT NULL DEFAULT '',
	required INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX event_questions_event ON event_questions (event_id, position);

CREATE TABLE registration_answers (
	registration_id INTEGER NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
	question_id     INTEGER NOT NULL REFERENCES event_questions (id) ON DELETE CASCADE,
	answer          TEXT NOT NULL,
	PRIMARY KEY (registration_id, question_id)
);
CREATE INDEX registration_answers_question ON registration_answers (question_id);
