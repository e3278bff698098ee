"""The demo's columns: fictional op-eds under invented bylines, for the persona engine.

Every writer is a seeded set of habits (openers, connectives, sentence length, punctuation, word choices
such as "upon" or "on", "whilst" or "while", contractions) applied to one shared stock of sentences about the
demo's invented town, so that bylines differ in style, not in topic. The byline ``PERSONA_BYLINE`` is written
by three of them in turn (the planted team); ``CONTROL_BYLINE`` by one; the reference columnists, each under
their own name, are the single writers the test is calibrated on. Every name is invented.

Example::

    >>> docs, reference = generate_columns(seed=7)
    >>> sorted({d["byline"] for d in docs})
    ['Iris Calloway', 'Rowan Ashdown']
"""

from __future__ import annotations

import random

from unmask.demo import _TOPICS

PERSONA_BYLINE = "Rowan Ashdown"  # the planted group persona: three writers take turns
CONTROL_BYLINE = "Iris Calloway"  # one writer throughout
TEAM = ("team-1", "team-2", "team-3")
_REFERENCE_NAMES = (
    "Alder Quill",
    "Bryn Morrow",
    "Cato Fenwick",
    "Della Marsh",
    "Emrys Hale",
    "Fay Lindqvist",
    "Gideon Pell",
    "Hattie Strand",
    "Ivo Renshaw",
    "Juno Carrow",
    "Kit Ambler",
    "Lorne Vesey",
)

_OPENERS = (
    "",
    "Moreover, ",
    "Frankly, ",
    "Of course, ",
    "In truth, ",
    "Yet ",
    "Still, ",
    "Let us be clear: ",
)
_OPENERS += ("Admittedly, ", "Indeed, ", "And ", "Plainly, ", "To be fair, ", "So ")
_SUBJECTS = ("the council", "our neighbours", "the mayor's office", "local families", "this town")
_SUBJECTS += ("the planning board", "every resident", "the committee", "people here", "the town hall")
_VERBS = ("has ignored", "must reconsider", "keeps promising", "quietly approved", "cannot afford")
_VERBS += ("should debate", "will regret", "has delayed", "barely noticed", "deserves")
_OBJECTS = ("the plan for {t}", "any honest debate about {t}", "the cost of {t}", "a vote on {t}")
_OBJECTS += ("the truth about {t}", "a report on {t}", "the future of {t}", "the budget for {t}")
_CONNECTIVES = ("; and ", ", while ", " — and ", ", but ", ", whereas ", " because ", ", although ")
_CONNECTIVES += (", so ", "; yet ", " and ", ", since ")
_CLOSERS = ("", " in the end", " at last", " for now", " once again", " after all", " of course")


class _Writer:
    """One writer's habits, drawn from ``rng``: weights over the shared choices."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.openers = [rng.random() ** 3 for _ in _OPENERS]
        self.connectives = [rng.random() ** 3 for _ in _CONNECTIVES]
        self.closers = [rng.random() ** 2 for _ in _CLOSERS]
        self.subjects = [rng.random() for _ in _SUBJECTS]
        self.verbs = [rng.random() for _ in _VERBS]
        self.archaic = rng.random()  # upon/whilst/amongst/perhaps rather than on/while/among/maybe
        self.clauses = rng.choice((1, 1, 2, 2, 3))
        self.exclaim = rng.random() ** 3 * 0.3
        self.question = rng.random() ** 3 * 0.3
        self.contractions = rng.random() < 0.5

    def sentence(self, topic: str) -> str:
        rng = self.rng
        clauses = []
        for _ in range(max(1, self.clauses + rng.choice((-1, 0, 0, 1)))):
            subject = rng.choices(_SUBJECTS, self.subjects)[0]
            verb = rng.choices(_VERBS, self.verbs)[0]
            clause = f"{subject} {verb} {rng.choice(_OBJECTS).format(t=topic)}"
            if rng.random() < 0.3:
                clause += f", {'upon' if rng.random() < self.archaic else 'on'} reflection"
            elif rng.random() < 0.3:
                clause += f", {'perhaps' if rng.random() < self.archaic else 'maybe'} too late"
            clauses.append(clause)
        body = clauses[0]
        for clause in clauses[1:]:
            body += rng.choices(_CONNECTIVES, self.connectives)[0] + clause
        body += rng.choices(_CLOSERS, self.closers)[0]
        if self.contractions:
            body = body.replace("cannot", "can't").replace("will regret", "'ll regret")
        if rng.random() < self.archaic:
            body = body.replace(" while ", " whilst ").replace(" among", " amongst")
        end = "!" if rng.random() < self.exclaim else "?" if rng.random() < self.question else "."
        opener = rng.choices(_OPENERS, self.openers)[0]
        text = opener + body
        return text[0].upper() + text[1:] + end

    def column(self, n_sentences: int = 28) -> str:
        topic = self.rng.choice(_TOPICS)
        sentences = [self.sentence(topic) for _ in range(n_sentences)]
        paragraphs = [" ".join(sentences[i : i + 4]) for i in range(0, len(sentences), 4)]
        return "\n\n".join(paragraphs)


def generate_columns(seed: int = 7, *, per_writer: int = 4) -> tuple[list[dict], list[dict]]:
    """The demo's documents (the persona's and the control's) and its reference, as articles JSONL rows."""
    rng = random.Random(seed)
    team = [_Writer(random.Random(rng.random())) for _ in TEAM]
    control = _Writer(random.Random(rng.random()))
    docs = []
    for i in range(per_writer * len(team)):
        writer = team[i % len(team)]  # the team takes turns, week by week
        # The persona's columns run on the site the planted network pushes (aldervalleyvoice.example).
        outlet = ("Alder Valley Voice",)
        docs.append(_row(f"ra-{i + 1:02d}", PERSONA_BYLINE, writer.column(), i, outlet=outlet))
    for i in range(per_writer * len(team)):
        docs.append(_row(f"ic-{i + 1:02d}", CONTROL_BYLINE, control.column(), i, outlet=("North Gazette",)))
    reference = []
    for name in _REFERENCE_NAMES:
        writer = _Writer(random.Random(rng.random()))
        for i in range(8):
            reference.append(_row(f"ref-{name.split()[0].lower()}-{i + 1}", name, writer.column(), i))
    return docs, reference


def team_of(doc_id: str) -> str | None:
    """The planted writer of one of the persona's documents (the answer key), or None."""
    if not doc_id.startswith("ra-"):
        return None
    return TEAM[(int(doc_id[3:]) - 1) % len(TEAM)]


def _row(doc_id: str, byline: str, text: str, week: int, outlet: tuple[str, ...] = ("Pebble Post",)) -> dict:
    return {
        "id": doc_id,
        "byline": byline,
        "title": f"Column {week + 1}",
        "outlet": outlet[0],
        "url": f"https://{outlet[0].lower().replace(' ', '')}.example/columns/{doc_id}",
        "published_at": f"2024-{1 + week // 4:02d}-{1 + 7 * (week % 4):02d}T08:30:00Z",
        "text": text,
    }
