"""``python -m tradegame`` runs the command line."""

from tradegame.cli import main

main()
