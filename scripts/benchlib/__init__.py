"""`scripts/bench`: the service against a hand-written baseline and a naive version, with wrk."""
