"""The scale benchmark's rows: deals, contacts and their links, the same on every back end.

Values are plain Python (aware datetimes, UUIDs, Decimals, bools); each loader turns them into
what its back end stores. The draw is seeded: SQLite and PostgreSQL hold the same rows, but
for the ids of the employees (random UUIDs made by the app).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any


def listed(words: str) -> list[str]:
    """The words of a space-separated literal (long lists stay readable)."""
    return words.split()


# The data set's "now": fixed, so that two seeds of one size are the same rows.
ANCHOR = datetime(2026, 11, 1, tzinfo=UTC)
HISTORY_DAYS = 6 * 365
CHUNK = 20_000

# Frequent title words, most frequent first (Zipf weights): the common search takes the first.
COMMON_WORDS = listed(
    "cloud renewal license support rollout upgrade migration pilot expansion service "
    "platform training hardware analytics security integration consulting network storage "
    "backup mobile portal audit onboarding subscription maintenance retail fleet payroll "
    "warehouse logistics dashboard kiosk telephony archive compliance billing edge sensor"
)
COMMON_WORD = COMMON_WORDS[0]
# Company-like names for titles and contacts, made of syllables that never start a rare word.
SYLLABLES = listed("ba ko ri ta mel nor ve sa lun dor gi pa fen har tor ul mi den cal ros")
# Each rare word is in the titles of exactly RARE_DEALS deals, at every size.
RARE_WORDS = ("zeppelin", "quokka", "xylophone", "yodel")
RARE_WORD = RARE_WORDS[0]
RARE_DEALS = 12
FIRST_NAMES = listed("Ann Ben Carla Dmitri Eva Farid Greta Hugo Ines Jonas Kira Luis Mona Nils")
LAST_NAMES = listed("Lee Novak Garcia Schmidt Rossi Dubois Ivanova Okafor Tanaka Berg Costa")
# Stage ids 1..9 by sort order: most deals are early or closed, as in a living pipeline.
STAGE_WEIGHTS = (16, 12, 11, 10, 9, 8, 7, 15, 12)
BUSY_CURRENCIES = {"USD": 35, "EUR": 30, "GBP": 8}
BUSY_SHARE = 73  # percent of deals in the busy currencies; the rest spread over all others
PRIVATE_DEALS = 0.10
PRIVATE_CONTACTS = 0.05
DEALS_WITH_FIELDS = 0.30
DEALS_PER_CONTACT = 5


@dataclass(frozen=True)
class Roster:
    """The people and definitions the bulk rows refer to (made by the app's own functions)."""

    people: Sequence[uuid.UUID]  # responsible persons and creators
    user_id: uuid.UUID  # the ordinary user the benchmark signs in as
    stage_types: dict[int, int]  # stage id -> stage type (0 open, 1 won, 2 lost), by sort order
    currencies: Sequence[str]
    fields: Sequence[tuple[int, int, tuple[str, ...]]]  # (id, field type, select-box options)


@dataclass
class Chunk:
    """Rows of several tables, drawn together and loaded together."""

    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        """One row for `table`."""
        self.rows.setdefault(table, []).append(row)


CONTACT_COLUMNS = listed(
    "id created_at created_by updated_at updated_by is_company first_name last_name "
    "company_name title share_type currency_abbr"
)
DEAL_COLUMNS = listed(
    "id created_at created_by updated_at updated_by title description responsible_id "
    "contact_id stage_id bid_currency bid_type bid_value per_period_value success_probability "
    "actual_close_date expected_close_date is_private"
)
COLUMNS = {
    "contact": CONTACT_COLUMNS,
    "contact_access": ["contact_id", "employee_id"],
    "opportunity": DEAL_COLUMNS,
    "opportunity_member": ["opportunity_id", "contact_id"],
    "opportunity_custom_field": ["opportunity_id", "field_id", "value"],
    "opportunity_access": ["opportunity_id", "employee_id"],
}


def company_name(rng: random.Random) -> str:
    """A pronounceable company-like name."""
    return "".join(rng.choices(SYLLABLES, k=rng.randint(2, 3))).capitalize()


class Drawer:
    """Draws the rows of a data set of `deals` deals."""

    def __init__(self, roster: Roster, deals: int, seed: int = 20261101) -> None:
        self.roster = roster
        self.deals = deals
        self.contacts = max(1, deals // DEALS_PER_CONTACT)
        self.rng = random.Random(seed)
        self.word_weights = list(accumulate(1 / (rank + 2) for rank in range(len(COMMON_WORDS))))
        self.stage_ids = list(roster.stage_types)
        self.stage_weights = list(accumulate(STAGE_WEIGHTS[: len(self.stage_ids)]))
        others = [c for c in roster.currencies if c not in BUSY_CURRENCIES]
        self.currencies = [*BUSY_CURRENCIES, *others]
        spread = (100 - BUSY_SHARE) / len(others)
        self.currency_weights = list(
            accumulate([*BUSY_CURRENCIES.values(), *([spread] * len(others))])
        )
        # Deal indexes whose titles carry each rare word: spread evenly over the ids.
        step = max(1, deals // RARE_DEALS)
        self.rare = {
            (k * 7 + 3 + n * step) % deals: word
            for k, word in enumerate(RARE_WORDS)
            for n in range(RARE_DEALS)
        }

    def _moment(self, start: datetime, days: int) -> datetime:
        return start + timedelta(seconds=self.rng.randrange(days * 86_400))

    def _words(self, k: int) -> list[str]:
        return self.rng.choices(COMMON_WORDS, cum_weights=self.word_weights, k=k)

    def contact_chunks(self) -> Iterator[Chunk]:
        """Contacts (40% companies, 5% private) and the access lists of the private ones."""
        rng, people, chunk = self.rng, self.roster.people, Chunk()
        for contact_id in range(1, self.contacts + 1):
            company = rng.random() < 0.4
            private = rng.random() < PRIVATE_CONTACTS
            creator = rng.choice(people)
            created = self._moment(ANCHOR - timedelta(days=HISTORY_DAYS), HISTORY_DAYS)
            chunk.add(
                "contact",
                (
                    contact_id,
                    created,
                    creator,
                    created,
                    None,
                    company,
                    None if company else rng.choice(FIRST_NAMES),
                    None if company else rng.choice(LAST_NAMES),
                    f"{company_name(rng)} {rng.choice(('Ltd', 'GmbH', 'Inc', 'SA'))}"
                    if company
                    else None,
                    None if company else rng.choice(("Buyer", "CTO", "Head of IT", None)),
                    0 if private else rng.choice((1, 1, 1, 2)),
                    rng.choice(self.roster.currencies) if rng.random() < 0.25 else None,
                ),
            )
            if private:
                holders = {creator}
                if contact_id % 2:
                    holders.add(self.roster.user_id)
                for holder in holders:
                    chunk.add("contact_access", (contact_id, holder))
            if contact_id % CHUNK == 0:
                yield chunk
                chunk = Chunk()
        yield chunk

    def deal_chunks(self) -> Iterator[Chunk]:
        """Deals with their members (2.5 on average), custom-field values and access lists."""
        chunk = Chunk()
        for index in range(self.deals):
            self._deal(index, chunk)
            if (index + 1) % CHUNK == 0:
                yield chunk
                chunk = Chunk()
        yield chunk

    def _deal(self, index: int, chunk: Chunk) -> None:
        rng, roster = self.rng, self.roster
        deal_id = index + 1
        responsible = rng.choice(roster.people)
        creator = responsible if rng.random() < 0.6 else rng.choice(roster.people)
        created = self._moment(ANCHOR - timedelta(days=HISTORY_DAYS), HISTORY_DAYS)
        updated = min(ANCHOR, created + timedelta(days=rng.randrange(120)))
        stage = rng.choices(self.stage_ids, cum_weights=self.stage_weights)[0]
        stage_type = roster.stage_types[stage]
        # Drawn with replacement; a word said twice in a title reads wrong.
        words = [company_name(rng), *dict.fromkeys(self._words(rng.randint(1, 3)))]
        if index in self.rare:
            words.insert(rng.randint(1, len(words)), self.rare[index])
        description = None
        if rng.random() < 0.4:
            description = " ".join(self._words(rng.randint(6, 14))).capitalize() + "."
        bid_type = 0 if rng.random() < 0.7 else rng.randint(1, 5)
        cents = 0 if rng.random() < 0.1 else int(10 ** rng.uniform(4, 8))
        contact = rng.randint(1, self.contacts) if rng.random() < 0.8 else None
        private = rng.random() < PRIVATE_DEALS
        chunk.add(
            "opportunity",
            (
                deal_id,
                created,
                creator,
                updated,
                creator,
                " ".join(words),
                description,
                responsible,
                contact,
                stage,
                rng.choices(self.currencies, cum_weights=self.currency_weights)[0],
                bid_type,
                Decimal(cents).scaleb(-2),
                0 if bid_type == 0 else rng.randint(1, 24),
                (rng.randint(0, 90), 100, 0)[stage_type],
                self._moment(created, 300) if stage_type else None,
                self._moment(created, 400) if rng.random() < 0.85 else None,
                private,
            ),
        )
        self._links(deal_id, contact, creator, private, chunk)

    def _links(
        self, deal_id: int, contact: int | None, creator: uuid.UUID, private: bool, chunk: Chunk
    ) -> None:
        rng, roster = self.rng, self.roster
        wanted = min(rng.randint(1, 4), self.contacts)  # 2.5 on average
        members = {contact} if contact else set()
        while len(members) < wanted:
            members.add(rng.randint(1, self.contacts))
        for member in sorted(members):
            chunk.add("opportunity_member", (deal_id, member))
        if rng.random() < DEALS_WITH_FIELDS:
            for field_id, kind, options in rng.sample(roster.fields, rng.randint(1, 3)):
                chunk.add(
                    "opportunity_custom_field", (deal_id, field_id, self._value(kind, options))
                )
        if private:
            holders = {creator, *rng.sample(roster.people, rng.randint(0, 3))}
            if rng.random() < 0.5:
                holders.add(roster.user_id)
            for holder in sorted(holders):
                chunk.add("opportunity_access", (deal_id, holder))

    def _value(self, kind: int, options: tuple[str, ...]) -> str:
        rng = self.rng
        if kind == 2:  # select box: one of its options
            return rng.choice(options)
        if kind == 3:  # check box
            return rng.choice(("true", "false"))
        if kind == 5:  # date
            return self._moment(ANCHOR - timedelta(days=700), 1400).strftime("%Y-%m-%d")
        return " ".join(self._words(rng.randint(1, 5 if kind == 1 else 2)))
