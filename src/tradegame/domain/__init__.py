"""The pure domain core: money, instruments, ledgers, lots and tax. Standard library only."""
