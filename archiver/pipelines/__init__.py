"""Item pipelines, in order: dates (100) -> validate (200) -> state (300) -> write (900).

Pipelines flag, they do not drop: the only items dropped are true duplicates (the same post
twice in one run), counted in ``archiver/items/duplicates``.
"""
