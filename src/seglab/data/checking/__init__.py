"""What is wrong with a dataset, and the facts of it, found before any training starts.

`stats` scans a dataset once (sizes, channels, dtypes, class pixels, mean/std); `audit` runs
the checks over the index and the scan (`checks`: the CHECKS table of findings; `file_checks`:
the checks of each file; `channel_namings`: the word naming each channel count); `inspect` is `seglab inspect` (discover, audit,
describe); `fingerprint` keeps the facts of a training split that a recipe depends on.
"""
