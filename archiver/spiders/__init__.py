"""Spiders: they only crawl (URLs, pagination, errbacks); extraction lives in archiver.pages."""
