"""tracers: follow the money of pig-butchering scams across public blockchains."""

__version__ = "0.1.0"
