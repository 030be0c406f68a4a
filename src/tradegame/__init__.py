"""tradegame: play, test and run trading strategies as games, with exact books."""

__version__ = "0.1.0"
