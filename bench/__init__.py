"""Benchmarks: ``python -m bench`` (``make bench``) runs every module of this package in its own process.

A bench module ``bench/<name>.py`` runs when executed as ``python -m bench.<name>``, prints what it does on stderr
and its result as one JSON object on the last line of stdout; ``bench/__main__.py`` writes that object to
``bench/results/<name>.json``. ``python -m bench name …`` runs only the named modules. Sizes can be reduced with
each module's environment variables for a quick check.
"""
