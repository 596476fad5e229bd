"""A tornado-like ether mixer (mixer_deposits): fixed notes in, relayed withdrawals out.

Depositors call the mixer with exactly one note (0.1, 1 or 10 ether) as the call's value. Every
note is withdrawn hours to days later by a relayer's call: the mixer pays the note, less the
relayer's fee, to a fresh address and the fee to the relayer, both as internal transfers (traces).
Many unrelated depositors use it; the case's hop is one of them. On some seeds the mixer is
publicly tagged (`mixing_service`), on the others a tracer must recognise it by what it does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracers.simulate.chain import DAY, ETHER, HOUR, Asset, Leg, Method
from tracers.simulate.confounders import MIXER_DEPOSITS, MixerDepositsParams
from tracers.simulate.scene import Scene

NOTES = (ETHER // 10, ETHER, 10 * ETHER)
CROWD_NOTE_WEIGHTS = (0.6, 0.3, 0.1)
MAX_CASE_NOTES = 6
TAG = ("tornado-like ether mixer", "mixing_service", "tornado-like", "simulated sanctions list", "authority_data")


@dataclass
class Note:
    """One note deposited; `ref` the deposit, `recipient` the fresh address it was paid out to."""

    block: int
    depositor: int
    amount: int
    ref: int
    recipient: int | None = None


@dataclass
class Mixer:
    """The mixer, its relayers, and the notes the case put in."""

    address: int
    tagged: bool
    relayers: list[int]
    fee_per_mille: int
    case_notes: list[Note] = field(default_factory=list)


def open_mixer(scene: Scene) -> Mixer:
    """The mixer and its crowd of unrelated depositors (`scene` draws from mixer_deposits' stream)."""
    params = scene.confounding.parameters(MIXER_DEPOSITS, MixerDepositsParams)
    book, rng = scene.book, scene.rng
    mixer = Mixer(
        book.one(rng),
        bool(params["tagged"]),
        [int(a) for a in book.new(rng, int(params["relayers"]))],
        int(params["relay_fee_per_mille"]),
    )
    scene.confounding.decoy(MIXER_DEPOSITS, mixer.address, *mixer.relayers)
    for _ in range(int(params["depositors"])):
        who = book.one(rng)
        notes = [NOTES[int(rng.choice(len(NOTES), p=CROWD_NOTE_WEIGHTS))] for _ in range(int(rng.integers(1, 4)))]
        funded = scene.blocks(DAY, scene.timeline.n_blocks - 2 * DAY)
        scene.withdraw(funded, scene.exchange_for_people(), who, Asset.ETH, sum(notes))
        for note in notes:
            scene.schedule.at(scene.after(funded, 1, 48), _deposit, scene, mixer, who, note, False)
        scene.confounding.decoy(MIXER_DEPOSITS, who)
    return mixer


def case_notes(amount: int) -> tuple[int, int]:
    """(note, count) a hop holding `amount` wei deposits: the largest note of which half the amount
    makes at least two, as many as half makes (at most six); smaller amounts fewer notes."""
    half = amount // 2
    note = next((n for n in reversed(NOTES) if half // n >= 2), NOTES[0])
    count = min(MAX_CASE_NOTES, half // note) or min(1, amount // note)
    return note, count


def deposit_notes(scene: Scene, mixer: Mixer, block: int, who: int, note: int, count: int) -> None:
    """Schedule the case's `count` note deposits from `who`, minutes apart, after `block`."""
    at = block
    for _ in range(count):
        at += scene.blocks(1, 40)
        scene.schedule.at(at, _deposit, scene, mixer, who, note, True)


def _deposit(block: int, scene: Scene, mixer: Mixer, who: int, note: int, case: bool) -> None:
    ref = scene.ledger.call(block, who, mixer.address, Method.MIXER_DEPOSIT,
                            [(Asset.ETH, who, mixer.address, note, Leg.DIRECT)])[0]
    record = Note(block, who, note, ref)
    if case:
        mixer.case_notes.append(record)
    out = block + scene.blocks(HOUR, 5 * DAY)
    if out < scene.timeline.n_blocks - HOUR:
        scene.schedule.at(out, _withdraw, scene, mixer, record)


def _withdraw(block: int, scene: Scene, mixer: Mixer, note: Note) -> None:
    """A relayer's call pays the note out to a fresh address, less its fee."""
    relayer = mixer.relayers[int(scene.rng.integers(len(mixer.relayers)))]
    note.recipient = scene.book.one(scene.rng)
    fee = note.amount * mixer.fee_per_mille // 1000
    scene.ledger.call(block, relayer, mixer.address, Method.MIXER_WITHDRAW, [
        (Asset.ETH, mixer.address, note.recipient, note.amount - fee, Leg.INTERNAL),
        (Asset.ETH, mixer.address, relayer, fee, Leg.INTERNAL),
    ])
    scene.confounding.decoy(MIXER_DEPOSITS, note.recipient)
