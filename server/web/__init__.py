"""The faces of the server: JSON API, clerk console, administration, device pairing, plus the
request guard, rate limits and vendored browser assets they share. Routes parse, make one domain
call and serialise."""
