"""Welcome Buddy: the web application of a city's newcomer–buddy programme."""
