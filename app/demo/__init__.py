"""A realistic demo city, so a new user can look around at once (``buddy demo-data``)."""
