#!/usr/bin/env python3
"""Prints the medians from a hyperfine JSON export (its markdown has none): `medians: NAME X ms, ...`."""
import json
import sys

results = json.load(open(sys.argv[1]))["results"]
print("\nmedians: " + ", ".join("%s %.1f ms" % (r["command"], r["median"] * 1000) for r in results))
