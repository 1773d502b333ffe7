"""Downloader middlewares: WARC capture, host:port scope, Retry-After, offline cookies."""
