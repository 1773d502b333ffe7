"""The on-disk archive: layout and paths, the run lifecycle, catalogue, reports, packaging,
hashes and the lock.

A run is finished by one path (:func:`archiver.archive.lifecycle.finish_run`), whether the
crawl ended, failed, or was interrupted and is recovered by the next run.
"""
