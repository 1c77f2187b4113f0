"""``shapecheck infer``: contracts for unannotated code, generalised from the shapes of a recorded run.

``hook`` records (inside the recorded process), ``observe`` holds what was seen, ``generalise``
turns calls into contracts, ``naming`` picks dim names, ``pack_writer`` writes a stub pack,
``annotate`` writes contracts into the source, ``report`` summarises, ``command`` runs it all.
"""
