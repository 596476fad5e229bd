"""A deterministic simulator of a pig-butchering world on Ethereum, with its ground truth.

    from tracers.simulate import simulate, SimulationConfig
    summary = simulate(Path("world"), SimulationConfig(seed=7, transfers=60_000))

writes ethereum-etl CSV files (blocks, transactions, receipts, token_transfers, tokens), the
publicly known tags, the victims' reports and truth.json (who is who, and where the money went),
so that tracing heuristics can be built and scored against a known answer.

Modules, in the order the world is built: config (knobs), chain (clock, assets), addresses,
cast (exchanges, users, services), scam + records + peel + poisoning (hand-built scam on an exact
ledger), confounders (the named hard cases and `confounder_config`) played by twists (bent scam
steps), extra_victims and outsiders, exits (ways out of USDT: dex, mixer, bridge), background
(vectorised crowd), settle (sweeps and funding so the books balance), assemble (transactions, a
contract call's legs kept together), writer (CSV, traces.csv for internal ether), reports, truth,
pipeline (simulate()).

    from tracers.simulate.confounders import confounder_config
    simulate(Path("hard"), confounder_config(104))  # a small world, a random mix of confounders
"""

from tracers.simulate.config import SimulationConfig, SimulationConfigError
from tracers.simulate.pipeline import SimulationSummary, simulate

__all__ = ["SimulationConfig", "SimulationConfigError", "SimulationSummary", "simulate"]
