"""The fault suite (issue 6): kills and resumes, transient faults, hostile pages, a full or
unwritable disk, safety (hosts, robots, paths) and fuzzed extractors."""
