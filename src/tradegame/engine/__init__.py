"""The game engine: Game definitions, Moves, the simulated market, the Round loop, exits and liquidation."""
