-- Where a remote library is (issue 16): its branches' names, addresses and
-- coordinates from its actor's location, as JSON ([{"name", "address",
-- "latitude", "longitude"}]), for the map on the page of libraries.

ALTER TABLE actors ADD COLUMN places TEXT NOT NULL DEFAULT '[]';
