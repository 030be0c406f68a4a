"""Alembic migrations of the Game store, shipped inside the package (``open_database`` runs them).

``env.py`` runs on the connection ``open_database`` hands over (``config.attributes``), or on
``sqlalchemy.url`` for a hand-made config; ``versions/`` holds one file per schema version. To
write the next one, see ``tradegame.store.database.alembic_config``; never edit a released one.
"""
