-- Statistics for the year report. Anonymisation clears who signed up, so
-- whether it was a resident here, a guest or a resident of another
-- library (a federated Join) is kept in its own column from the sign-up
-- on; and a place given from the waitlist is recorded when it is given,
-- as the state alone forgets it once the registration is cancelled.
ALTER TABLE registrations ADD COLUMN origin TEXT NOT NULL DEFAULT '';
ALTER TABLE registrations ADD COLUMN promoted_at TIMESTAMPTZ;

UPDATE registrations SET origin = CASE
	WHEN person_id IS NOT NULL THEN 'resident'
	WHEN actor_id IS NOT NULL THEN 'remote'
	WHEN guest_email <> '' THEN 'guest'
	ELSE '' END;
-- The best guess for places given before this was recorded: on the
-- waitlist once, holding a place now.
UPDATE registrations SET promoted_at = updated_at WHERE state = 'confirmed' AND waitlisted_at IS NOT NULL;
